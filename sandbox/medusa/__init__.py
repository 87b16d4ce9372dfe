"""A local simulator of the Medusa v2 (2.21) Admin API: orders, stock, fulfillment, with its observed pitfalls."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from fastapi import FastAPI

from sandbox.medusa.app import create_app
from sandbox.medusa.errors import InsufficientStock
from sandbox.medusa.gate import MedusaFaults
from sandbox.medusa.generator import MedusaGenerator
from sandbox.medusa.state import Credentials, MedusaState
from sandbox.shopify.catalog import PRODUCTS, ProductSpec
from sandbox.shopify.faults import Faults

DEFAULT_API_KEY = "sk_sandbox_medusa_secret_key"
DEFAULT_EMAIL = "admin@medusa-sandbox.test"
DEFAULT_PASSWORD = "supersecret"
DEFAULT_LOCATIONS = ("Berlin warehouse", "Leipzig overflow")
DEFAULT_SALES_CHANNELS = ("Webshop", "B2B")


def build_medusa(
    *,
    clock: Callable[[], datetime],
    seed: int = 0,
    orders: int = 0,
    products: Iterable[ProductSpec] = PRODUCTS,
    stock: int | Mapping[str, int] = 20,
    locations: Sequence[str] = DEFAULT_LOCATIONS,
    sales_channels: Sequence[str] = DEFAULT_SALES_CHANNELS,
    api_key: str = DEFAULT_API_KEY,
    email: str = DEFAULT_EMAIL,
    password: str = DEFAULT_PASSWORD,
    token_lifetime: timedelta = timedelta(hours=24),
    faults: Faults | None = None,
) -> tuple[FastAPI, MedusaGenerator]:
    """A Medusa backend in memory and the app serving it, with `orders` orders placed over the last 30 days.

    stock: stocked quantity of every inventory item at every location, or SKU → quantity (absent SKUs: 0).
    The first sales channel has tax-inclusive prices, the others add tax; channel i reserves at the
    locations rotated by i (the Webshop tries Berlin first, B2B Leipzig first).
    """
    state = MedusaState(
        clock=clock,
        seed=seed,
        credentials=Credentials(email, password, api_key, token_lifetime),
        products=products,
        stock=stock,
        locations=locations,
        sales_channels=sales_channels,
    )
    generator = MedusaGenerator(state, seed=seed)
    generator.populate(orders)
    return create_app(state, faults=faults), generator


__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_EMAIL",
    "DEFAULT_LOCATIONS",
    "DEFAULT_PASSWORD",
    "DEFAULT_SALES_CHANNELS",
    "Faults",
    "InsufficientStock",
    "MedusaFaults",
    "MedusaGenerator",
    "MedusaState",
    "build_medusa",
    "create_app",
]
