"""Each channel's mapper keeps the order's status in the channel's own words (what capturable_statuses names):
WooCommerce's status as the shop shows it, Shopify's open / closed / cancelled, Medusa's order status."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.medusa import mapper as medusa
from connectors.shopify import mapper as shopify
from connectors.woocommerce import mapper as woocommerce
from core.model import CanonicalOrder

FIXTURES = Path(__file__).parents[1] / "fixtures"


def raw(system: str, name: str, *, exact: bool = False) -> Any:
    """A fixture payload; `exact`: its numbers read as Decimal (Medusa v2 sends money as JSON numbers)."""
    text = (FIXTURES / system / f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text, parse_float=Decimal) if exact else json.loads(text)


def mapped(outcome: Any) -> CanonicalOrder:
    assert isinstance(outcome, CanonicalOrder), outcome
    return outcome


@pytest.mark.parametrize(
    ("name", "status", "aliases"),
    [
        ("processing_two_rates_coupon_eur", "processing", {}),
        ("guest_on_hold_bacs_gbp", "on-hold", {}),
        ("processing_two_rates_coupon_eur", "awaiting-shipment", {"awaiting-shipment": "processing"}),
    ],
)
def test_woocommerce_keeps_the_shops_own_status_even_one_a_plugin_adds(name: str, status: str, aliases: dict):
    payload = {**raw("woocommerce", name), "status": status}
    assert mapped(woocommerce.map_one(payload, None, aliases=aliases)).channel_status == status


@pytest.mark.parametrize(
    ("name", "status"),
    [("paid_multi_line_cad", "open"), ("pos_guest", "closed"), ("cancelled_voided", "cancelled")],
)
def test_shopify_names_the_order_open_closed_or_cancelled(name: str, status: str):
    payload = (FIXTURES / "shopify" / f"{name}.json").read_bytes()
    assert shopify.map_order(payload).channel_status == status


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("paid_eur_tax_inclusive", "pending"),
        ("digital_gbp_no_shipping_address", "completed"),
        ("canceled_eur", "canceled"),
    ],
)
def test_medusa_keeps_its_order_status(name: str, status: str):
    [order] = medusa.map_page([raw("medusa", name, exact=True)])
    assert mapped(order).channel_status == status
