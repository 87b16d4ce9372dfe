"""A local simulator of the Shopify Admin REST API (orders, locations, products, inventory)."""

from sandbox.shopify.app import DEFAULT_SCOPES, DEFAULT_TOKEN, create_app
from sandbox.shopify.catalog import BERLIN, PROFILES, QUEBEC, ShopProfile
from sandbox.shopify.faults import Faults
from sandbox.shopify.generator import OrderGenerator
from sandbox.shopify.ratelimit import CallLimit
from sandbox.shopify.state import ShopState

__all__ = [
    "BERLIN",
    "DEFAULT_SCOPES",
    "DEFAULT_TOKEN",
    "PROFILES",
    "QUEBEC",
    "CallLimit",
    "Faults",
    "OrderGenerator",
    "ShopProfile",
    "ShopState",
    "create_app",
]
