"""Helpers for the Medusa simulator tests: the secret API key as Basic auth, and reading levels back."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient

from sandbox.medusa import DEFAULT_API_KEY, MedusaGenerator

BASIC = {"Authorization": "Basic " + base64.b64encode(f"{DEFAULT_API_KEY}:".encode()).decode()}


def inventory_item_of(store: MedusaGenerator, sku: str) -> str:
    found = store.state.variant(sku).inventory_item_id
    assert found is not None
    return found


def level(api: TestClient, sku: str, location_id: str) -> dict[str, Any]:
    """The location level of a SKU's inventory item, read over the API."""
    variants = api.get("/admin/product-variants", params={"sku": sku, "fields": "id,sku,*inventory_items"}).json()
    item = variants["variants"][0]["inventory_items"][0]["inventory_item_id"]
    shown = api.get(f"/admin/inventory-items/{item}", params={"fields": "id,*location_levels"}).json()
    return next(lv for lv in shown["inventory_item"]["location_levels"] if lv["location_id"] == location_id)
