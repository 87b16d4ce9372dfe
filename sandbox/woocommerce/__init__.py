"""A local simulator of the WooCommerce REST API v3 (orders, notes, refunds, products, variations, stock)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from fastapi import FastAPI

from sandbox.shopify.catalog import PRODUCTS, ProductSpec
from sandbox.shopify.faults import Faults
from sandbox.woocommerce.app import DEFAULT_KEY, DEFAULT_SECRET, create_app
from sandbox.woocommerce.generator import WooGenerator
from sandbox.woocommerce.lifecycle import OutOfStock, RefundError
from sandbox.woocommerce.sitetime import Clock
from sandbox.woocommerce.store import WooState

API_PATH = "/wp-json/wc/v3"

__all__ = [
    "API_PATH",
    "DEFAULT_KEY",
    "DEFAULT_SECRET",
    "Faults",
    "OutOfStock",
    "RefundError",
    "WooGenerator",
    "WooState",
    "build_woocommerce",
    "create_app",
]


def build_woocommerce(
    *,
    clock: Clock,
    seed: int = 0,
    orders: int = 0,
    products: Iterable[ProductSpec] = PRODUCTS,
    stock: int | Mapping[str, int] = 20,
    utc_offset: timedelta = timedelta(hours=2),
    currency: str = "EUR",
    consumer_key: str = DEFAULT_KEY,
    consumer_secret: str = DEFAULT_SECRET,
    faults: Faults | None = None,
) -> tuple[FastAPI, WooGenerator]:
    """A simulated WooCommerce site and the generator that feeds it.

    clock: the shop's time (every date and date_modified comes from it).
    seed: makes the order history, later events and nothing else repeatable (faults carry their own seed).
    orders: orders created at once, spread over the 30 days before now.
    products: the catalogue; a spec with one variant is a simple product, with several a variable product.
    stock: starting stock_quantity of every SKU, or one per SKU (SKUs left out start at 0).
    utc_offset: the site's time zone (date_* fields are local, date_*_gmt UTC).
    currency: the store currency; its minor unit sets the decimals of every money string.
    """
    state = WooState(clock=clock, products=products, stock=stock, utc_offset=utc_offset, currency=currency)
    generator = WooGenerator(state, seed=seed)
    generator.populate(orders)
    app = create_app(state, faults=faults, consumer_key=consumer_key, consumer_secret=consumer_secret)
    return app, generator
