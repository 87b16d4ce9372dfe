"""A local simulator of the Brightpearl public API: contacts, products, sales orders and sales credits pushed by
the hub, goods-out notes that a simulated warehouse creates and ships, and returns it books in; stock derived
from what was received, allocated and shipped; with the 503 throttle and injected faults."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from fastapi import FastAPI

from sandbox.brightpearl.app import DEFAULT_ACCOUNT, DEFAULT_APP_REF, DEFAULT_TOKEN, create_app
from sandbox.brightpearl.generator import BrightpearlGenerator
from sandbox.brightpearl.shipping import Split
from sandbox.brightpearl.state import BrightpearlState
from sandbox.brightpearl.throttle import DEFAULT_CAP
from sandbox.brightpearl.wire import CANCELLED, STATUS_NAMES
from sandbox.shopify.catalog import PRODUCTS, ProductSpec
from sandbox.shopify.faults import Faults

__all__ = [
    "CANCELLED",
    "DEFAULT_ACCOUNT",
    "DEFAULT_APP_REF",
    "DEFAULT_TOKEN",
    "STATUS_NAMES",
    "BrightpearlGenerator",
    "BrightpearlState",
    "Faults",
    "Split",
    "build_brightpearl",
    "create_app",
]


def build_brightpearl(
    *,
    clock: Callable[[], datetime],
    seed: int = 0,
    app_ref: str = DEFAULT_APP_REF,
    account_token: str = DEFAULT_TOKEN,
    installed_integration_instance_id: int = 7,
    warehouses: Sequence[str] = ("Berlin", "Leipzig"),
    ship_after: timedelta = timedelta(minutes=5),
    split_rate: float = 0.2,
    requests_per_minute: int = DEFAULT_CAP,
    products: Iterable[ProductSpec] = PRODUCTS,
    faults: Faults | None = None,
    stock: Mapping[tuple[str, int], int] | None = None,
) -> tuple[FastAPI, BrightpearlGenerator]:
    """A Brightpearl account "omshub" in memory, the app serving it and the warehouse that ships its orders.

    warehouses: their names; ids start at 2 (Berlin 2, Leipzig 3). Orders without warehouseId go to the first.
    ship_after: how long after its creation an order is shipped by `generator.tick()`.
    split_rate: the share of shipments made as two goods-out notes (two warehouses or two parcels).
    requests_per_minute: the throttle's cap per rolling minute (over it: 503).
    seed: makes splits and tracking references repeatable (faults carry their own seed).
    stock: units on hand at the start by (SKU, warehouse id); more arrive by `state.receive` or a stock correction.
    """
    state = BrightpearlState(
        clock=clock,
        seed=seed,
        products=products,
        warehouses=warehouses,
        installed_integration_instance_id=installed_integration_instance_id,
    )
    for (sku, warehouse_id), units in (stock or {}).items():
        product = state.product_by_sku(sku)
        if product is None or warehouse_id not in state.warehouses:
            raise ValueError(f"stock: no product {sku!r} or no warehouse {warehouse_id} in this account")
        state.receive(product.id, warehouse_id, units)
    generator = BrightpearlGenerator(state, seed=seed, ship_after=ship_after, split_rate=split_rate)
    app = create_app(
        state, app_ref=app_ref, account_token=account_token, requests_per_minute=requests_per_minute, faults=faults
    )
    return app, generator
