"""Releasing orders to fulfillment providers, and what they say back.

An order is released once it is paid or authorized, fully reserved (nothing backordered) and not held: its
reserved units become one fulfillment request per (stock location, provider) as routing decides, each with
an idempotency reference built from the operation (order, location, provider), stored with the request and
sent in an outbox row in the same transaction. Lines routed to no provider stay with the hub. Lines that hold
no stock (see core.non_stock) are never goods to pick: their money goes with the first request, as shipping
does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from core import bindings, channels, outbox
from core.model import OrderStatus, PaymentStatus
from core.providers import FulfillmentCharge, FulfillmentLine, FulfillmentRequest
from core.routing import Router
from core.store.schema import fulfillment_requests, inventory_items, order_lines, orders, reservations, stock_locations

FULFILLMENT_REQUESTED = "fulfillment.requested"
REQUEST_KIND = "fulfillment_request"
RELEASABLE = (PaymentStatus.authorized, PaymentStatus.partially_captured, PaymentStatus.captured)
Held = Mapping[tuple[str, str, str], int]
"""Units by (line key, SKU, location code)."""


class RequestStatus(StrEnum):
    """Where a fulfillment request stands, from release to shipment or cancellation."""

    requested = "requested"
    accepted = "accepted"
    partially_shipped = "partially_shipped"
    shipped = "shipped"
    cancel_requested = "cancel_requested"
    canceled = "canceled"
    cancel_refused = "cancel_refused"


def release(conn: Connection, router: Router, now: datetime, *, limit: int = 500) -> int:
    """Create the fulfillment requests of orders that became releasable; returns how many requests."""
    made, location_ids = 0, channels.location_ids(conn)
    for order in _releasable(conn, limit):
        made += _send(conn, order, _requests(conn, order, router, held(conn, order["id"])), location_ids, now)
    return made


def release_added(conn: Connection, order_id: int, router: Router, added: Held, change: str, now: datetime) -> int:
    """Send units a change (an edit, exchange or claim) added to an order already released: one more request
    per (location, provider), named after the change, for those units only (the shipping went with the first)."""
    order = dict(conn.execute(select(orders).where(orders.c.id == order_id)).mappings().one())
    units = [(key, sku, code, n) for (key, sku, code), n in sorted(added.items()) if n > 0]
    requests = _requests(conn, order, router, units, suffix=f"-{change}", shipping=False)
    return _send(conn, order, requests, channels.location_ids(conn), now)


def is_released(conn: Connection, order_id: int) -> bool:
    """Whether any request of the order went to a provider and was not canceled."""
    fr = fulfillment_requests.c
    query = select(func.count()).where(fr.order_id == order_id, fr.status != RequestStatus.canceled)
    return bool(conn.execute(query).scalar_one())


def _send(
    conn: Connection,
    order: Mapping[str, Any],
    requests: list[tuple[str, FulfillmentRequest]],
    location_ids: Mapping[str, int],
    now: datetime,
) -> int:
    """Store each request with its reference and queue it for its provider, in the caller's transaction."""
    for provider, request in requests:
        conn.execute(
            fulfillment_requests.insert().values(
                reference=request.reference,
                order_id=order["id"],
                location_id=location_ids[request.location],
                provider=provider,
                status=RequestStatus.requested,
                lines=[{"line_key": ln.line_key, "sku": ln.sku, "quantity": ln.quantity} for ln in request.lines],
                created_at=now,
                updated_at=now,
            )
        )
        payload = {"provider": provider, "channel": order["channel"], "request": _plain(asdict(request))}
        outbox.append(conn, [outbox.Event(FULFILLMENT_REQUESTED, "order", str(order["id"]), payload)], now)
    return len(requests)


def accepted(conn: Connection, provider: str, reference: str, provider_ref: str, now: datetime) -> None:
    """The provider took the request: keep its id (bound both ways) and mark the request accepted."""
    request_id = conn.execute(
        select(fulfillment_requests.c.id).where(fulfillment_requests.c.reference == reference)
    ).scalar_one()
    conn.execute(
        update(fulfillment_requests)
        .where(fulfillment_requests.c.id == request_id, fulfillment_requests.c.status == RequestStatus.requested)
        .values(status=RequestStatus.accepted, provider_ref=provider_ref, updated_at=now)
    )
    if not bindings.internal_ids(conn, provider, REQUEST_KIND, [provider_ref]):
        bindings.bind_many(conn, provider, REQUEST_KIND, {provider_ref: request_id})


def unacknowledged(conn: Connection, channel: str, within: Mapping[str, timedelta], now: datetime) -> int:
    """Requests for the channel's orders that their provider (`within`: provider → how long it may take) has
    not accepted in time: released, and found days later never to have reached the warehouse."""
    fr = fulfillment_requests.c
    late = [and_(fr.provider == provider, fr.created_at < now - limit) for provider, limit in within.items()]
    if not late:
        return 0
    query = select(func.count()).where(
        fr.status == RequestStatus.requested,
        fr.order_id.in_(select(orders.c.id).where(orders.c.channel == channel)),
        or_(*late),
    )
    return int(conn.execute(query).scalar_one())


def request_of(payload: Mapping[str, Any]) -> FulfillmentRequest:
    """The request an outbox payload carries."""
    raw = dict(payload["request"])
    raw["placed_at"] = datetime.fromisoformat(raw["placed_at"])
    raw["lines"] = tuple(FulfillmentLine(**line) for line in raw["lines"])
    raw["charges"] = tuple(FulfillmentCharge(**charge) for charge in raw.get("charges", ()))
    return FulfillmentRequest(**raw)


def _releasable(conn: Connection, limit: int) -> list[dict[str, Any]]:
    requested = select(fulfillment_requests.c.order_id)
    backordered = select(order_lines.c.order_id).where(order_lines.c.backordered_quantity > 0)
    held = select(reservations.c.order_id).where(reservations.c.quantity > 0)
    query = (
        select(orders)
        .where(
            orders.c.status == OrderStatus.pending.value,
            orders.c.hold_reason.is_(None),
            orders.c.payment_status.in_([s.value for s in RELEASABLE]),
            orders.c.id.in_(held),
            orders.c.id.not_in(requested),
            orders.c.id.not_in(backordered),
        )
        .order_by(orders.c.id)
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def _requests(
    conn: Connection,
    order: Mapping[str, Any],
    router: Router,
    units: list[tuple[str, str, str, int]],
    *,
    suffix: str = "",
    shipping: bool = True,
) -> list[tuple[str, FulfillmentRequest]]:
    """One request per (location, provider) for `units` (line key, SKU, location code, units) of the order;
    the order's shipping goes with the first when `shipping`."""
    lines = {
        row["line_key"]: dict(row)
        for row in conn.execute(select(order_lines).where(order_lines.c.order_id == order["id"])).mappings()
    }
    country = (order["shipping_address"] or {}).get("country_code")
    groups: dict[tuple[str, str], list[FulfillmentLine]] = defaultdict(list)
    for key, sku, location, count in units:
        provider = router.provider_for(location, country, sku)
        if provider is not None:
            groups[location, provider].append(
                line_share(lines[key], sku, count, taxes_included=order["taxes_included"])
            )
    requests = []
    for i, ((location, provider), parts) in enumerate(sorted(groups.items())):
        first = shipping and i == 0
        shipping_total = order["shipping_total"] if first else 0
        shipping_tax = order["shipping_tax"] if first else 0
        charges = _charges(lines.values(), taxes_included=order["taxes_included"]) if first else ()
        requests.append(
            (
                provider,
                FulfillmentRequest(
                    reference=f"ful-{order['id']}-{location}-{provider}{suffix}",
                    order_id=order["id"],
                    channel=order["channel"],
                    order_external_id=order["external_id"],
                    display_number=order["display_number"],
                    location=location,
                    currency=order["currency"],
                    placed_at=order["placed_at"],
                    lines=tuple(parts),
                    shipping_net=shipping_total - shipping_tax if order["taxes_included"] else shipping_total,
                    shipping_tax=shipping_tax,
                    charges=charges,
                    email=order["customer_email"],
                    name=order["customer_name"],
                    ship_to=order["shipping_address"],
                ),
            )
        )
    return requests


def held(conn: Connection, order_id: int) -> list[tuple[str, str, str, int]]:
    """(line key, SKU, location code, units) reserved for the order now."""
    query = (
        select(reservations.c.line_key, inventory_items.c.sku, stock_locations.c.code, reservations.c.quantity)
        .join(inventory_items, inventory_items.c.id == reservations.c.item_id)
        .join(stock_locations, stock_locations.c.id == reservations.c.location_id)
        .where(reservations.c.order_id == order_id, reservations.c.quantity > 0)
        .order_by(reservations.c.line_key, stock_locations.c.code)
    )
    return [(key, sku, code, int(units)) for key, sku, code, units in conn.execute(query)]


def line_share(row: Mapping[str, Any], sku: str, units: int, *, taxes_included: bool) -> FulfillmentLine:
    """The share of an order line that `units` of it make: net after discounts, and its tax."""
    part_net, part_tax = _net_and_tax(row, units, taxes_included=taxes_included)
    return FulfillmentLine(
        str(row["line_key"]), sku, str(row["title"]), units, (part_net + units // 2) // units, part_tax
    )


def _charges(rows: Iterable[Mapping[str, Any]], *, taxes_included: bool) -> tuple[FulfillmentCharge, ...]:
    """The lines that hold no stock, for their units not canceled, in the order's line order."""
    charges = []
    for row in sorted(rows, key=lambda row: int(row["position"])):
        units = int(row["quantity"]) - int(row["canceled_quantity"])
        if not row["holds_stock"] and units > 0:
            net, tax = _net_and_tax(row, units, taxes_included=taxes_included)
            charges.append(FulfillmentCharge(str(row["line_key"]), str(row["title"]), units, net, tax))
    return tuple(charges)


def _net_and_tax(row: Mapping[str, Any], units: int, *, taxes_included: bool) -> tuple[int, int]:
    """What `units` of an order line come to after its discounts: net, and tax (shares round down)."""
    quantity = int(row["quantity"])
    gross = int(row["unit_price"]) * quantity - int(row["discount"]) - int(row["order_discount_share"])
    tax = int(row["tax_total"])
    net = gross - tax if taxes_included else gross
    return net * units // quantity, tax * units // quantity


def _plain(value: Any) -> Any:
    """Datetimes as ISO text, for a JSON payload."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
