"""Shopify order → canonical order: a pure translation, no I/O.

Money is read in the shop currency (`currency`, the `*_set.shop_money` side where present, else the plain
field, which Shopify also states in shop currency); the presentment currency stays in `raw`. The stated
totals are Shopify's original ones, so the hub's reconciliation catches a payload whose numbers disagree.

Refunded units of a line that had been fulfilled came back: they are returned units, not canceled ones, and
each refund that brought some back is a channel return (restocked for `return` and `legacy_restock`, not for
`no_restock`) at the hub location its `location_id` maps to (else the channel's first). Refunded units that
never left (`cancel`, and `no_restock`/`legacy_restock` while unfulfilled units remained) are canceled units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from pydantic import ValidationError

from connectors.shopify import schema
from connectors.shopify.schema import Payload, ShopifyOrder, parse_order
from core.errors import SkippableRecord
from core.model import CanonicalOrder, FulfillmentStatus, OrderStatus, PaymentStatus
from core.money import exponent, format_money, to_minor
from core.quarantine import Rejected
from core.raw_json import RawJson
from core.validation import describe_errors

_PAYMENT_STATUS = {
    "pending": PaymentStatus.awaiting,
    "authorized": PaymentStatus.authorized,
    "partially_paid": PaymentStatus.partially_captured,
    "paid": PaymentStatus.captured,
    "partially_refunded": PaymentStatus.partially_refunded,
    "refunded": PaymentStatus.refunded,
    "voided": PaymentStatus.canceled,
    "expired": PaymentStatus.canceled,
}
_FULFILLMENT_STATUS = {
    None: FulfillmentStatus.not_fulfilled,
    "partial": FulfillmentStatus.partially_fulfilled,
    "fulfilled": FulfillmentStatus.fulfilled,
    "restocked": FulfillmentStatus.canceled,
}


def map_page(
    records: Sequence[Payload], *, locations: Mapping[str, str] | None = None
) -> list[CanonicalOrder | Rejected]:
    """Map a page of orders, each its own JSON text; an order that cannot be mapped becomes a Rejected (quarantined
    by intake) and the page goes on. `locations` maps Shopify location ids to hub location codes (the channel's
    location_ids, turned around)."""
    return [_map_one(record, locations or {}) for record in records]


def _map_one(record: Payload, locations: Mapping[str, str]) -> CanonicalOrder | Rejected:
    try:
        return map_order(record, locations=locations)
    except SkippableRecord as exc:
        return Rejected(exc.external_id or schema.raw_id(record), exc.reason, _kept(record))


def map_order(record: Payload, *, locations: Mapping[str, str] | None = None) -> CanonicalOrder:
    """The canonical order of one Shopify order's JSON text, which it keeps as its raw payload; raises
    SkippableRecord naming what does not fit."""
    try:
        raw = RawJson.of(memoryview(record))
    except UnicodeDecodeError as exc:
        reason = f"order: not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise SkippableRecord(reason, external_id=schema.raw_id(record)) from None
    order = parse_order(record)
    try:
        return CanonicalOrder.model_validate(_fields(order, raw, locations or {}))
    except _Unmappable as exc:
        raise SkippableRecord(str(exc), external_id=str(order.id)) from None
    except ValidationError as exc:
        reason = "mapped order is invalid: " + describe_errors(exc)
        raise SkippableRecord(reason, external_id=str(order.id)) from None


def _kept(record: Payload) -> RawJson | str:
    """What quarantine keeps of an order that was not taken in: its text, as far as it is text."""
    try:
        return RawJson.of(memoryview(record))
    except UnicodeDecodeError:
        return str(record, "utf-8", errors="replace")


class _Unmappable(ValueError):
    """A payload fact the canonical order cannot express; the message names the Shopify field."""


def _fields(order: ShopifyOrder, raw: RawJson, locations: Mapping[str, str]) -> dict[str, Any]:
    currency = _shop_currency(order)
    _refuse_unmapped_charges(order, currency)
    _check_refunds(order, currency)
    shipping_discount = sum(_allocated(s.discount_allocations, currency) for s in order.shipping_lines)
    back = _came_back(order)
    lines = [_line(item, currency, i, back.get(item.id, [])) for i, item in enumerate(order.line_items)]
    fulfillment = _FULFILLMENT_STATUS.get(order.fulfillment_status, FulfillmentStatus.requires_action)
    return {
        "external_id": str(order.id),
        "display_number": order.name,
        "status": _status(order),
        # An unknown financial_status is a real, valid order whose payment state we cannot name:
        # it is taken in (and holds stock) but flagged for an operator instead of being quarantined.
        "payment_status": _PAYMENT_STATUS.get(order.financial_status or "", PaymentStatus.requires_action),
        "fulfillment_status": _with_returns(fulfillment, lines),
        "channel_status": _shop_status(order),
        "currency": currency,
        "placed_at": _placed_at(order),
        "updated_at": order.updated_at,
        "customer": _customer(order),
        "shipping_address": _address(order.shipping_address),
        "billing_address": _address(order.billing_address),
        "notes": order.note or None,
        "lines": lines,
        # Net of shipping discounts. `discounted_price` is not used: whether it already contains cart-level
        # (free-shipping) discounts changed between API versions, so price − allocations is the safe reading.
        "shipping_total": sum(_shop(s.price, s.price_set, currency) for s in order.shipping_lines) - shipping_discount,
        "shipping_tax": sum(_taxed(s.tax_lines, currency) for s in order.shipping_lines),
        "order_discount": 0,  # Shopify allocates every order-level discount to the lines (discount_allocations)
        "taxes_included": order.taxes_included,
        "totals": _stated_totals(order, currency, shipping_discount),
        "channel_returns": _channel_returns(order, back, locations),
        "raw": raw,
    }


def _line(item: schema.LineItem, currency: str, index: int, back: Sequence[_Back]) -> dict[str, Any]:
    if item.current_quantity > item.quantity:
        raise _Unmappable(
            f"line_items[{index}].current_quantity: {item.current_quantity} exceeds quantity {item.quantity}"
        )
    returned = sum(b.units for b in back)
    return {
        "line_id": str(item.id),
        "sku": item.sku or None,  # "" or null: the line holds no stock (gift cards, custom items)
        "title": f"{item.title} - {item.variant_title}" if item.variant_title else item.title,
        "quantity": item.quantity,
        "unit_price": _shop(item.price, item.price_set, currency),
        "discount": _allocated(item.discount_allocations, currency),  # not the legacy `total_discount`
        "tax_lines": [_tax_line(t, currency) for t in item.tax_lines],
        # Units removed by edits or refunds, less those that came back after they were fulfilled; fulfilled
        # units are those no longer fulfillable among the current ones plus the returned ones, so fulfilled +
        # canceled never exceeds quantity.
        "canceled_quantity": item.quantity - item.current_quantity - returned,
        "fulfilled_quantity": max(item.current_quantity - item.fulfillable_quantity, 0) + returned,
        "returned_quantity": returned,
    }


@dataclass(frozen=True, slots=True)
class _Back:
    """Units of one refund line item that had been fulfilled: they came back."""

    refund: int
    """The refund's place in `refunds`."""
    part: schema.RefundLineItem
    units: int

    @property
    def restocked(self) -> bool:
        return self.part.restock_type in ("return", "legacy_restock")


_NOT_SENT = ("cancelled", "error", "failure")
"""Fulfillment statuses whose units did not leave."""


def _came_back(order: ShopifyOrder) -> dict[int, list[_Back]]:
    """Per line item id, the refunded units that had been fulfilled, in refund order. A `return` always had
    been; `no_restock` and `legacy_restock` take unfulfilled units first, so of theirs only the latest ones
    beyond the units that never left count; `cancel` never had been."""
    sent: dict[int, int] = {}
    for fulfillment in order.fulfillments:
        if fulfillment.status not in _NOT_SENT:
            for shipped in fulfillment.line_items:
                sent[shipped.id] = sent.get(shipped.id, 0) + shipped.quantity
    parts: dict[int, list[tuple[int, schema.RefundLineItem]]] = {}
    for r, refund in enumerate(order.refunds):
        for part in refund.refund_line_items:
            kind = part.restock_type or ("legacy_restock" if refund.restock else "no_restock")
            parts.setdefault(part.line_item_id, []).append((r, msgspec.structs.replace(part, restock_type=kind)))
    found = {}
    for item in order.line_items:
        mine = parts.get(item.id, [])
        back = [_Back(r, part, part.quantity) for r, part in mine if part.restock_type == "return"]
        # fulfilled units no longer among the current ones, beyond those the returns account for
        gone = sent.get(item.id, 0) + item.fulfillable_quantity - item.current_quantity - sum(b.units for b in back)
        for r, part in reversed([(r, p) for r, p in mine if p.restock_type in ("no_restock", "legacy_restock")]):
            units = min(part.quantity, max(gone, 0))
            gone -= units
            back += [_Back(r, part, units)] if units else []
        if back:
            found[item.id] = sorted(back, key=lambda b: b.refund)
    return found


def _channel_returns(
    order: ShopifyOrder, back: Mapping[int, Sequence[_Back]], locations: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One channel return per refund that brought units back, with the id of the refund. A refund naming a line
    twice with different restock places (rare) becomes several returns, the further ones `{id}-2`, `{id}-3`…"""
    by_refund: dict[int, list[_Back]] = {}
    for b in (b for parts in back.values() for b in parts):
        by_refund.setdefault(b.refund, []).append(b)
    found = []
    for r, parts in sorted(by_refund.items()):
        refund_id = order.refunds[r].id
        if refund_id is None:
            raise _Unmappable(f"refunds[{r}].id: missing, and the refund brings fulfilled units back")
        groups: list[dict[str, dict[str, Any]]] = []
        for b in parts:
            line = _returned_line(b, locations)
            group = next((g for g in groups if _joins(g.get(line["line"]), line)), None)
            if group is None:
                groups.append(group := {})
            same = group.get(line["line"])
            group[line["line"]] = line if same is None else {**same, "quantity": same["quantity"] + b.units}
        found += [
            {"return_id": str(refund_id) if n == 0 else f"{refund_id}-{n + 1}", "lines": list(group.values())}
            for n, group in enumerate(groups)
        ]
    return found


def _returned_line(back: _Back, locations: Mapping[str, str]) -> dict[str, Any]:
    where = back.part.location_id
    location = locations.get(str(where)) if back.restocked and where is not None else None
    return {
        "line": str(back.part.line_item_id),
        "quantity": back.units,
        "restock": back.restocked,
        "location": location,
    }


def _joins(same: dict[str, Any] | None, line: dict[str, Any]) -> bool:
    return same is None or (same["restock"], same["location"]) == (line["restock"], line["location"])


def _with_returns(fulfillment: FulfillmentStatus, lines: Sequence[Mapping[str, Any]]) -> FulfillmentStatus:
    """Returned when every fulfilled unit came back, partially returned when some did."""
    back = sum(line["returned_quantity"] for line in lines)
    if not back:
        return fulfillment
    sent = sum(line["fulfilled_quantity"] for line in lines)
    return FulfillmentStatus.returned if back >= sent else FulfillmentStatus.partially_returned


def _tax_line(tax: schema.TaxLine, currency: str) -> dict[str, Any]:
    return {"title": tax.title, "rate": schema.rate_text(tax.rate), "amount": _shop(tax.price, tax.price_set, currency)}


def _stated_totals(order: ShopifyOrder, currency: str, shipping_discount: int) -> dict[str, int | None]:
    """Shopify's original totals in canonical terms (the `current_*` ones already reflect edits and refunds).

    `total_discounts` holds every discount, shipping discounts included, while the canonical discount_total
    is the line discounts only (shipping_total is already net of its discount), so the shipping part comes
    off. `total_shipping_price_set` is the shipping before discounts, so it comes off there as well.
    """
    shipping = order.total_shipping_price_set
    return {
        "subtotal": _shop(order.total_line_items_price, order.total_line_items_price_set, currency),
        "discount_total": _shop(order.total_discounts, order.total_discounts_set, currency) - shipping_discount,
        "shipping_total": None if shipping is None else _set_amount(shipping, currency) - shipping_discount,
        "tax_total": _shop(order.total_tax, order.total_tax_set, currency),
        "total": _shop(order.total_price, order.total_price_set, currency),
    }


def _status(order: ShopifyOrder) -> OrderStatus:
    if order.cancelled_at is not None:
        return OrderStatus.canceled
    if order.closed_at is not None:
        return OrderStatus.completed
    return OrderStatus.pending


def _shop_status(order: ShopifyOrder) -> str:
    """The order's status in Shopify's own words (the `status` filter of orders.json): open, closed or cancelled."""
    if order.cancelled_at is not None:
        return "cancelled"
    return "open" if order.closed_at is None else "closed"


def _placed_at(order: ShopifyOrder) -> datetime:
    placed = order.created_at or order.processed_at
    if placed is None:
        raise _Unmappable("created_at: missing, and no processed_at either")
    return placed


def _customer(order: ShopifyOrder) -> dict[str, Any] | None:
    """The customer may be null (guest, POS); the order's email and phone still reach them."""
    known = order.customer or _NOBODY
    email = known.email or order.email or order.contact_email or None
    phone = known.phone or order.phone or None
    if order.customer is None and email is None and phone is None:
        return None
    return {
        "email": email,
        "first_name": known.first_name or None,
        "last_name": known.last_name or None,
        "phone": phone,
    }


def _address(address: schema.Address | None) -> dict[str, Any] | None:
    if address is None:  # absent for orders with nothing to ship (shipping) or from POS (billing)
        return None
    return {
        "first_name": address.first_name or None,
        "last_name": address.last_name or None,
        "company": address.company or None,
        "address_1": address.address1 or None,
        "address_2": address.address2 or None,
        "city": address.city or None,
        "province": address.province or None,
        "postal_code": address.zip or None,
        "country_code": address.country_code or None,
        "phone": address.phone or None,
    }


def _check_refunds(order: ShopifyOrder, currency: str) -> None:
    """Refund lines must fit their line: no more units than were removed, no more money than was charged."""
    for line_item_id, (units, subtotal, tax) in _refunded(order, currency).items():
        i, item = next((i, it) for i, it in enumerate(order.line_items) if it.id == line_item_id)
        removed = item.quantity - item.current_quantity
        if units > removed:
            raise _Unmappable(
                f"line_items[{i}].current_quantity: {removed} units removed, but refunds take back {units}"
            )
        price = _shop(item.price, item.price_set, currency)
        net = item.quantity * price - _allocated(item.discount_allocations, currency)
        line_tax = _taxed(item.tax_lines, currency)
        if subtotal > net or tax > line_tax:
            refunded, charged = format_money(subtotal + tax, currency), format_money(net + line_tax, currency)
            raise _Unmappable(f"line_items[{i}]: refunds return {refunded} with tax, the line was charged {charged}")


def _refunded(order: ShopifyOrder, currency: str) -> dict[int, tuple[int, int, int]]:
    """Units, subtotal and tax refunded per line id (refund amounts are exact Decimals, see the schema)."""
    line_ids = {item.id for item in order.line_items}
    sums: dict[int, tuple[int, int, int]] = {}
    for r, refund in enumerate(order.refunds):
        for k, part in enumerate(refund.refund_line_items):
            if part.line_item_id not in line_ids:
                where = f"refunds[{r}].refund_line_items[{k}].line_item_id"
                raise _Unmappable(f"{where}: {part.line_item_id} is not a line of this order")
            units, subtotal, tax = sums.get(part.line_item_id, (0, 0, 0))
            sums[part.line_item_id] = (
                units + part.quantity,
                subtotal + to_minor(part.subtotal, currency),
                tax + to_minor(part.total_tax, currency),
            )
    return sums


def _refuse_unmapped_charges(order: ShopifyOrder, currency: str) -> None:
    """Tips, duties and additional fees are part of total_price but have no place in the canonical order."""
    charges = {
        "total_tip_received": to_minor(order.total_tip_received, currency),
        "original_total_duties_set": _set_amount(order.original_total_duties_set, currency),
        "original_total_additional_fees_set": _set_amount(order.original_total_additional_fees_set, currency),
    }
    for field, amount in charges.items():
        if amount:
            raise _Unmappable(f"{field}: {format_money(amount, currency)} has no place in the canonical order")


def _shop_currency(order: ShopifyOrder) -> str:
    try:
        exponent(order.currency)
    except ValueError as exc:
        raise _Unmappable(f"currency: {exc}") from None
    return order.currency.upper()


def _shop(plain: str, money_set: schema.MoneySet | None, currency: str) -> int:
    """The shop-currency amount: the `*_set.shop_money` twin where present, else the plain field."""
    return to_minor(plain if money_set is None else money_set.shop_money.amount, currency)


def _set_amount(money_set: schema.MoneySet | None, currency: str) -> int:
    return 0 if money_set is None else to_minor(money_set.shop_money.amount, currency)


def _allocated(allocations: Iterable[schema.DiscountAllocation], currency: str) -> int:
    return sum(_shop(a.amount, a.amount_set, currency) for a in allocations)


def _taxed(tax_lines: Iterable[schema.TaxLine], currency: str) -> int:
    return sum(_shop(t.price, t.price_set, currency) for t in tax_lines)


_NOBODY = schema.Customer()
