"""Medusa v2 order → canonical order: a pure translation, no I/O.

Money: major-unit numbers, rounded to the currency on ingest; taxes are recomputed from the tax lines'
rates with Medusa's own formulas (see pricing), because the totals Medusa attaches to tax lines follow the
current (returned-net) quantity. Tax-inclusive items make a gross order (`taxes_included`): unit prices and
discounts keep their tax, shipping methods are brought into the same mode. The stated totals are Medusa's
`total` and `tax_total`, so the hub's reconciliation catches a payload we read differently than Medusa.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from connectors.medusa import pricing, schema
from connectors.medusa.schema import MedusaOrder, parse_order
from core.errors import SkippableRecord
from core.model import CanonicalOrder, FulfillmentStatus, OrderStatus, PaymentStatus
from core.money import exponent, to_minor
from core.quarantine import Rejected
from core.totals import compute_totals, price_lines
from core.validation import describe_errors

# The canonical vocabulary is Medusa's own, so statuses map one to one. A value a later Medusa version
# adds is a real order whose state we cannot name: it is taken in, flagged requires_action for an operator.
_ORDER_STATUS = {status.value: status for status in OrderStatus}
_PAYMENT_STATUS = {status.value: status for status in PaymentStatus}
_FULFILLMENT_STATUS = {status.value: status for status in FulfillmentStatus}

# Medusa's `version` (and `updated_at`) do not move when a payment is captured or refunded, so a re-read
# after a capture would look like the state the hub already has. The hub's upstream version therefore
# counts payment progress too: version × 16 + the payment state's step in this order.
_PAYMENT_PROGRESS = {
    status: step
    for step, status in enumerate(
        (
            "not_paid",
            "awaiting",
            "requires_action",
            "partially_authorized",
            "authorized",
            "partially_captured",
            "captured",
            "partially_refunded",
            "refunded",
            "canceled",
        ),
        start=1,
    )
}


def map_page(raw_orders: list[dict[str, Any]]) -> list[CanonicalOrder | Rejected]:
    """Map a page; an order that cannot be mapped becomes a Rejected (quarantined by intake), the page goes on."""
    return [map_one(raw) for raw in raw_orders]


def map_one(raw: dict[str, Any]) -> CanonicalOrder | Rejected:
    try:
        return to_canonical(parse_order(raw), raw)
    except SkippableRecord as exc:
        return Rejected(exc.external_id or schema.raw_id(raw), exc.reason, as_sent(raw))


def to_canonical(order: MedusaOrder, raw: dict[str, Any]) -> CanonicalOrder:
    """The canonical order of one validated Medusa order; raises SkippableRecord naming what does not fit."""
    try:
        mapped = CanonicalOrder.model_validate(_fields(order, raw))
        gap = _gap_to_stated_total(mapped)
        if gap:  # Medusa rounded its discounts its own way: split them to its total where rounding explains it
            discounts = sum(line.discount for line in mapped.lines) - gap
            mapped = CanonicalOrder.model_validate(_fields(order, raw, discount_total=discounts))
        return mapped
    except _Unmappable as exc:
        raise SkippableRecord(str(exc), external_id=order.id) from None
    except ValidationError as exc:
        raise SkippableRecord("mapped order is invalid: " + describe_errors(exc), external_id=order.id) from None


class _Unmappable(ValueError):
    """A payload fact the canonical order cannot express; the message names the Medusa field."""


def _gap_to_stated_total(mapped: CanonicalOrder) -> int:
    """Medusa's stated total minus what the canonical lines add up to (0 when it states none)."""
    if mapped.totals is None:
        return 0
    return mapped.totals.total - compute_totals(mapped, price_lines(mapped)).total


def _fields(order: MedusaOrder, raw: dict[str, Any], *, discount_total: int | None = None) -> dict[str, Any]:
    currency = _currency(order)
    gross = _tax_inclusive(order)
    items = [pricing.item_exact(item, currency, gross=gross) for item in order.items]
    methods = [pricing.shipping_exact(m, currency, gross=gross) for m in order.shipping_methods]
    discounts = pricing.round_together([exact.charged for exact in items], currency, stated=discount_total)
    stated_tax = None if order.tax_total is None else to_minor(order.tax_total, currency)
    taxes = _rounded_taxes([*items, *methods], currency, stated=stated_tax)
    item_taxes, shipping_taxes = taxes[: len(items)], taxes[len(items) :]
    return {
        "external_id": order.id,
        "display_number": None if order.display_id is None else str(order.display_id),
        "status": _ORDER_STATUS.get(order.status, OrderStatus.requires_action),
        "payment_status": _PAYMENT_STATUS.get(order.payment_status or "", PaymentStatus.requires_action),
        "fulfillment_status": _FULFILLMENT_STATUS.get(
            order.fulfillment_status or "", FulfillmentStatus.requires_action
        ),
        "channel_status": order.status,
        "currency": currency,
        "placed_at": order.created_at,
        "updated_at": order.updated_at,
        "upstream_version": _upstream_version(order),
        "customer": _customer(order),
        "shipping_address": _address(order.shipping_address),
        "billing_address": _address(order.billing_address),
        "lines": [
            _line(item, currency, discount=discount, taxes=tax)
            for item, discount, tax in zip(order.items, discounts, item_taxes, strict=True)
        ],
        "shipping_total": to_minor(sum((exact.charged for exact in methods), Decimal(0)), currency),
        "shipping_tax": sum(sum(tax) for tax in shipping_taxes),
        "taxes_included": gross,
        "totals": _stated_totals(order, currency),
        "raw": as_sent(raw),
    }


def as_sent(value: Any) -> Any:
    """The payload as Medusa wrote it, for the audit copy: bodies are decoded with Decimal numbers (so money
    is exact), and each of those came from a JavaScript number, which float() gives back unchanged."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: as_sent(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_sent(item) for item in value]
    return value


def _upstream_version(order: MedusaOrder) -> int | None:
    if order.version is None:
        return None
    return order.version * 16 + _PAYMENT_PROGRESS.get(order.payment_status or "", 0)


def _line(item: schema.Item, currency: str, *, discount: int, taxes: list[int]) -> dict[str, Any]:
    # Written-off units (claims) were fulfilled and stay so; they did not come back to stock.
    detail = item.detail or _NO_DETAIL
    return {
        "line_id": item.id,
        "sku": item.variant_sku or None,  # null for custom items: the line holds no stock
        "title": _title(item),
        "quantity": item.quantity,
        "unit_price": to_minor(item.unit_price, currency),
        "discount": discount,
        "tax_lines": [
            {"title": tax.description or tax.code or "tax", "rate": str(pricing.rate(tax)), "amount": amount}
            for tax, amount in zip(item.tax_lines, taxes, strict=True)
        ],
        "fulfilled_quantity": detail.fulfilled_quantity,
        "shipped_quantity": detail.shipped_quantity,
        "returned_quantity": detail.return_received_quantity,
    }


def _rounded_taxes(parts: list[pricing.Exact], currency: str, *, stated: int | None) -> list[list[int]]:
    """Every tax line of the order rounded together (to Medusa's stated tax total where rounding explains
    it), handed back per item or shipping method."""
    flat = pricing.round_together([tax for part in parts for tax in part.taxes], currency, stated=stated)
    grouped, start = [], 0
    for part in parts:
        grouped.append(flat[start : start + len(part.taxes)])
        start += len(part.taxes)
    return grouped


def _stated_totals(order: MedusaOrder, currency: str) -> dict[str, int] | None:
    """Medusa's totals follow the current quantity (returned units come off); the canonical lines keep the
    ordered quantity, so once units came back the stated totals no longer describe the lines."""
    returned = any(
        item.detail and (item.detail.return_received_quantity or item.detail.return_dismissed_quantity)
        for item in order.items
    )
    if order.total is None or returned:
        return None
    totals = {"total": to_minor(order.total, currency)}
    if order.tax_total is not None:
        totals["tax_total"] = to_minor(order.tax_total, currency)
    return totals


def _tax_inclusive(order: MedusaOrder) -> bool:
    """Whether the order states gross prices. Medusa takes inclusiveness from the region's price preference,
    so an order's items agree; one that mixes them cannot be written as canonical lines exactly."""
    first = order.items[0].is_tax_inclusive
    for i, item in enumerate(order.items):
        if item.is_tax_inclusive != first:
            raise _Unmappable(f"items[{i}].is_tax_inclusive: {item.is_tax_inclusive} while items[0] says {first}")
    return first


def _currency(order: MedusaOrder) -> str:
    try:
        exponent(order.currency_code)
    except ValueError as exc:
        raise _Unmappable(f"currency_code: {exc}") from None
    return order.currency_code.upper()


def _title(item: schema.Item) -> str:
    if item.product_title and item.variant_title:
        return f"{item.product_title} - {item.variant_title}"
    return item.title or item.product_title or ""


def _customer(order: MedusaOrder) -> dict[str, Any] | None:
    """A guest checkout still has a customer record (has_account false); the order's email reaches them."""
    known = order.customer or _NOBODY
    email = order.email or known.email or None
    if order.customer is None and email is None:
        return None
    return {
        "email": email,
        "first_name": known.first_name or None,
        "last_name": known.last_name or None,
        "phone": known.phone or None,
    }


def _address(address: schema.Address | None) -> dict[str, Any] | None:
    if address is None:  # no shipping address: digital goods, pickup
        return None
    return {
        "first_name": address.first_name or None,
        "last_name": address.last_name or None,
        "company": address.company or None,
        "address_1": address.address_1 or None,
        "address_2": address.address_2 or None,
        "city": address.city or None,
        "province": address.province or None,
        "postal_code": address.postal_code or None,
        "country_code": address.country_code.upper() if address.country_code else None,
        "phone": address.phone or None,
    }


_NO_DETAIL = schema.ItemDetail()
_NOBODY = schema.Customer()
