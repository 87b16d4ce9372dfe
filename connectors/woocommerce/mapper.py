"""WooCommerce order (+ its refunds) → canonical order: a pure translation, no I/O.

WooCommerce has one combined status for payment and fulfilment; the table below splits it. The stated
totals are the order's own (`discount_total`, `shipping_total`, `total_tax`, `total`, which WooCommerce
leaves as they were when refunds are made), so a payload whose numbers disagree is quarantined by intake.
Coupons are already inside the line totals; their codes stay in `raw`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from connectors.woocommerce import lines, schema
from connectors.woocommerce.lines import Refunded, Unmappable
from connectors.woocommerce.schema import Refund, WooOrder, parse_order
from core.errors import SkippableRecord
from core.model import CanonicalOrder, FulfillmentStatus, OrderStatus, PaymentStatus
from core.money import exponent, to_minor
from core.quarantine import Rejected
from core.validation import describe_errors

_F = FulfillmentStatus
STATUSES: dict[str, tuple[OrderStatus, PaymentStatus, FulfillmentStatus]] = {
    "checkout-draft": (OrderStatus.draft, PaymentStatus.not_paid, _F.not_fulfilled),
    "pending": (OrderStatus.pending, PaymentStatus.awaiting, _F.not_fulfilled),
    "on-hold": (OrderStatus.pending, PaymentStatus.awaiting, _F.not_fulfilled),
    "processing": (OrderStatus.pending, PaymentStatus.captured, _F.not_fulfilled),
    "completed": (OrderStatus.completed, PaymentStatus.captured, _F.shipped),
    "cancelled": (OrderStatus.canceled, PaymentStatus.canceled, _F.not_fulfilled),
    # A failed payment holds no stock; if the buyer pays later the order comes back as processing.
    "failed": (OrderStatus.canceled, PaymentStatus.canceled, _F.not_fulfilled),
    # Refunded before it was ever completed: nothing left; see _statuses for one refunded after shipping.
    "refunded": (OrderStatus.canceled, PaymentStatus.refunded, _F.not_fulfilled),
}
"""WooCommerce core status → canonical (status, payment, fulfillment)."""


def map_page(
    raw_orders: Sequence[dict[str, Any]],
    refunds: Mapping[str, Sequence[dict[str, Any]]],
    *,
    aliases: Mapping[str, str],
) -> list[CanonicalOrder | Rejected]:
    """Map a page; `refunds` holds `GET orders/{id}/refunds` by order id for the orders that have refunds.
    An order that cannot be mapped becomes a Rejected (quarantined by intake), the page goes on."""
    return [map_one(raw, refunds.get(str(raw.get("id"))), aliases=aliases) for raw in raw_orders]


def map_one(
    raw: dict[str, Any], raw_refunds: Sequence[dict[str, Any]] | None, *, aliases: Mapping[str, str]
) -> CanonicalOrder | Rejected:
    try:
        order = parse_order(raw)
        refunds = schema.parse_refunds(list(raw_refunds or []), str(order.id))
        return to_canonical(order, raw, refunds, aliases=aliases)
    except SkippableRecord as exc:
        return Rejected(exc.external_id or schema.raw_id(raw), exc.reason, raw)


def to_canonical(
    order: WooOrder, raw: dict[str, Any], refunds: Sequence[Refund], *, aliases: Mapping[str, str]
) -> CanonicalOrder:
    """The canonical order of one validated WooCommerce order; raises SkippableRecord naming what does not fit."""
    try:
        return CanonicalOrder.model_validate(_fields(order, raw, refunds, aliases))
    except Unmappable as exc:
        raise SkippableRecord(str(exc), external_id=str(order.id)) from None
    except ValidationError as exc:
        reason = "mapped order is invalid: " + describe_errors(exc)
        raise SkippableRecord(reason, external_id=str(order.id)) from None


def _fields(
    order: WooOrder, raw: dict[str, Any], refunds: Sequence[Refund], aliases: Mapping[str, str]
) -> dict[str, Any]:
    _check_currency(order)
    if order.refunds and not refunds:
        raise Unmappable(f"refunds: the order lists {len(order.refunds)} refunds but their detail was not read")
    status, payment, fulfillment = _statuses(order, aliases)
    shipped = fulfillment is FulfillmentStatus.shipped
    mapped, residue = _lines(order, refunds, shipped=shipped, canceled=status is OrderStatus.canceled)
    order_discount = -sum(min(to_minor(fee.total, order.currency), 0) for fee in order.fee_lines)
    return {
        "external_id": str(order.id),
        "display_number": order.number or None,
        "status": status,
        "payment_status": payment,
        "fulfillment_status": _returned(fulfillment, mapped) if shipped else fulfillment,
        "channel_status": order.status,
        "currency": order.currency.upper(),
        "placed_at": _required(order.date_created_gmt, "date_created_gmt"),
        "updated_at": order.date_modified_gmt,
        "customer": _customer(order.billing),
        "shipping_address": _address(order.shipping),
        "billing_address": _address(order.billing),
        "notes": order.customer_note or None,
        "payment_reference": order.transaction_id or None,
        "lines": mapped,
        "shipping_total": sum(to_minor(s.total, order.currency) for s in order.shipping_lines),
        "shipping_tax": lines.shipping_tax(order),
        "order_discount": order_discount,  # negative fees: ad-hoc discounts on the whole order
        "taxes_included": False,  # line and shipping amounts are ex-tax even when prices_include_tax
        "totals": {
            "discount_total": to_minor(order.discount_total, order.currency) + order_discount + residue,
            "shipping_total": to_minor(order.shipping_total, order.currency),
            "tax_total": to_minor(order.total_tax, order.currency),
            "total": to_minor(order.total, order.currency),
        },
        "raw": raw,
    }


def _statuses(order: WooOrder, aliases: Mapping[str, str]) -> tuple[OrderStatus, PaymentStatus, FulfillmentStatus]:
    name = aliases.get(order.status, order.status)
    if name not in STATUSES:
        raise Unmappable(
            f"status: {order.status!r} is not a WooCommerce core status ({', '.join(STATUSES)}); if a plugin adds"
            f' it, name the core status it stands for in this channel\'s options: status_aliases = {{ "{order.status}"'
            ' = "processing" }'
        )
    status, payment, fulfillment = STATUSES[name]
    if name == "refunded" and order.date_completed_gmt is not None:
        return OrderStatus.completed, payment, FulfillmentStatus.shipped
    if payment is PaymentStatus.captured and order.refunds:
        refunded = lines.refunded_amount(order)
        if refunded >= to_minor(order.total, order.currency):
            return status, PaymentStatus.refunded, fulfillment
        if refunded > 0:
            return status, PaymentStatus.partially_refunded, fulfillment
    return status, payment, fulfillment


def _lines(
    order: WooOrder, refunds: Sequence[Refund], *, shipped: bool, canceled: bool
) -> tuple[list[dict[str, Any]], int]:
    """Product lines then positive fees, each with its share of the order's taxes; and the rounding residue."""
    back = lines.refunded_units(order, refunds)
    products, residue = _product_lines(order, back, shipped=shipped, canceled=canceled)
    fees = [fee for fee in order.fee_lines if to_minor(fee.total, order.currency) >= 0]
    carriers = [(f"line_items[{i}]", item.taxes) for i, item in enumerate(order.line_items)]
    carriers += [(f"fee_lines[{i}]", fee.taxes) for i, fee in enumerate(fees)]
    taxed = lines.taxes_by_carrier(order, carriers)
    everything = products + _fee_lines(order, fees)
    return [{**line, "tax_lines": tax} for line, tax in zip(everything, taxed, strict=True)], residue


def _product_lines(
    order: WooOrder, back: Refunded, *, shipped: bool, canceled: bool
) -> tuple[list[dict[str, Any]], int]:
    """The product lines, and the minor units that rounded-up unit prices add (they are also in the discounts)."""
    found: list[dict[str, Any]] = []
    residue = 0
    for i, item in enumerate(order.line_items):
        priced = lines.price(item, order.currency, i)
        residue += priced.residue
        line = {
            "line_id": str(item.id),
            "sku": item.sku or None,  # "" or null (product deleted): the line holds no stock
            "title": lines.title(item.name),
            "quantity": item.quantity,
            "unit_price": priced.unit_price,
            "discount": priced.discount,
        }
        refunded = (back.canceled.get(item.id, 0), back.returned.get(item.id, 0))
        found.append({**line, **_quantities(item.quantity, refunded, shipped=shipped, canceled=canceled)})
    return found, residue


def _fee_lines(order: WooOrder, fees: list[schema.FeeLine]) -> list[dict[str, Any]]:
    return [
        {
            "line_id": f"fee:{fee.id}",
            "sku": None,
            "title": lines.title(fee.name) or "Fee",
            "quantity": 1,
            "unit_price": to_minor(fee.total, order.currency),
        }
        for fee in fees
    ]


def _quantities(quantity: int, refunded: tuple[int, int], *, shipped: bool, canceled: bool) -> dict[str, int]:
    before, after = refunded
    if canceled:
        return {"canceled_quantity": quantity}
    if not shipped:
        return {"canceled_quantity": before + after}  # nothing went out: every refunded unit stays here
    sent = quantity - before
    if after > sent:
        raise Unmappable(f"refunds: {after} units returned, but only {sent} were shipped")
    return {
        "canceled_quantity": before,
        "fulfilled_quantity": sent,
        "shipped_quantity": sent,
        "returned_quantity": after,
    }


def _returned(fulfillment: FulfillmentStatus, mapped: list[dict[str, Any]]) -> FulfillmentStatus:
    sent = sum(line.get("shipped_quantity", 0) for line in mapped)
    back = sum(line.get("returned_quantity", 0) for line in mapped)
    if back and back >= sent:
        return FulfillmentStatus.returned
    return FulfillmentStatus.partially_returned if back else fulfillment


def _customer(billing: schema.Address) -> dict[str, Any] | None:
    """Orders carry no customer object; the billing contact is the buyer, guest (customer_id 0) or not."""
    if not any((billing.email, billing.first_name, billing.last_name, billing.phone)):
        return None
    return {
        "email": billing.email or None,
        "first_name": billing.first_name or None,
        "last_name": billing.last_name or None,
        "phone": billing.phone or None,
    }


def _address(address: schema.Address | None) -> dict[str, Any] | None:
    """An address whose fields are all empty (digital orders' shipping) is no address."""
    if address is None:
        return None
    mapped = {
        "first_name": address.first_name or None,
        "last_name": address.last_name or None,
        "company": address.company or None,
        "address_1": address.address_1 or None,
        "address_2": address.address_2 or None,
        "city": address.city or None,
        "province": address.state or None,
        "postal_code": address.postcode or None,
        "country_code": address.country or None,
        "phone": address.phone or None,
    }
    return mapped if any(mapped.values()) else None


def _check_currency(order: WooOrder) -> None:
    try:
        exponent(order.currency)
    except ValueError as exc:
        raise Unmappable(f"currency: {exc}") from None


def _required(value: Any, field: str) -> Any:
    if value is None:
        raise Unmappable(f"{field}: missing")
    return value
