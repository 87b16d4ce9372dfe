"""Reading and writing order rows for intake (set-based: a handful of statements per page)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from core import kits
from core.bindings import bind_many
from core.kits import held_bundles
from core.model import CanonicalOrder, OrderStatus, TaxLine
from core.non_stock import NONE, NonStockSkus
from core.stock_plan import LineStock
from core.store.bulk import fetch_all, in_list, insert_rows, next_ids, read_datetime
from core.store.schema import inventory_items, order_lines, orders, reservations
from core.totals import PricedLine, Totals

ORDER_KIND = "order"
_UNTRACKED = {"id", "raw", "created_at", "updated_at", "upstream_updated_at", "upstream_version"}


@dataclass(frozen=True, slots=True)
class KnownOrder:
    id: int
    upstream_version: int | None
    upstream_updated_at: datetime


@dataclass(slots=True)
class StoredOrder:
    row: dict[str, Any]
    lines: dict[str, dict[str, Any]]
    holdings: dict[str, LineStock]
    reserved: dict[tuple[str, str, int], int]
    """Reservation rows by (line key, sku, location id): their current quantity, zero once released."""


def find_known(conn: Connection, channel: str, external_ids: Iterable[str]) -> dict[str, KnownOrder]:
    wanted = list(external_ids)
    if not wanted:
        return {}
    condition, param = in_list(conn, "b.external_id", wanted)
    sql = (
        "SELECT b.external_id, o.id, o.upstream_version, o.upstream_updated_at"
        " FROM bindings b JOIN orders o ON o.id = b.internal_id"
        f" WHERE b.system = ? AND b.kind = ? AND {condition}"
    )
    changed_at = orders.c.upstream_updated_at.type
    return {
        ext: KnownOrder(oid, version, read_datetime(conn, changed_at, changed))
        for ext, oid, version, changed in fetch_all(conn, sql, (channel, ORDER_KIND, param))
    }


def load_raw(conn: Connection, order_ids: Sequence[int]) -> dict[int, Any]:
    """The channel payloads kept with these orders."""
    if not order_ids:
        return {}
    return dict(conn.execute(select(orders.c.id, orders.c.raw).where(orders.c.id.in_(order_ids))).all())


def load_stored(conn: Connection, order_ids: Sequence[int]) -> dict[int, StoredOrder]:
    """The current rows, lines and stock holdings of the given orders."""
    if not order_ids:
        return {}
    cols = [c for c in orders.c if c.name != "raw"]
    stored = {
        r["id"]: StoredOrder(dict(r), {}, {}, {})
        for r in conn.execute(select(*cols).where(orders.c.id.in_(order_ids))).mappings()
    }
    for line in conn.execute(select(order_lines).where(order_lines.c.order_id.in_(order_ids))).mappings():
        entry = stored[line["order_id"]]
        entry.lines[line["line_key"]] = dict(line)
        entry.holdings[line["line_key"]] = LineStock(line["sku"], {}, line["backordered_quantity"])
    held = (
        select(
            reservations.c.order_id,
            reservations.c.line_key,
            inventory_items.c.sku,
            reservations.c.location_id,
            reservations.c.quantity,
        )
        .join(inventory_items, inventory_items.c.id == reservations.c.item_id)
        .where(reservations.c.order_id.in_(order_ids))
    )
    for order_id, key, sku, loc, qty in conn.execute(held):
        entry = stored[order_id]
        entry.reserved[key, sku, loc] = qty
        holding = entry.holdings.get(key)
        if holding is None and qty and kits.SUB_LINE in key:  # a component line of a pooled kit's line
            holding = entry.holdings[key] = LineStock(sku)
        if qty and holding is not None and holding.sku == sku:
            holding.reserved[loc] = qty
    _bundle_holdings(conn, stored.values())
    return stored


def _bundle_holdings(conn: Connection, stored: Iterable[StoredOrder]) -> None:
    """A bundle line's reservation rows are its components': count the whole bundles they make."""
    entries = list(stored)
    bundles = kits.load(conn, {h.sku for s in entries for h in s.holdings.values() if h.sku is not None})
    for entry in entries:
        for key, holding in entry.holdings.items():
            components = bundles.get(holding.sku or "")
            if components is None:
                continue
            locations = {loc for k, _sku, loc in entry.reserved if k == key}
            for loc in locations:
                parts = {sku: qty for (k, sku, at), qty in entry.reserved.items() if k == key and at == loc}
                if held := held_bundles(components, parts):
                    holding.reserved[loc] = held


def order_row(order: CanonicalOrder, totals: Totals, *, channel: str, hold_reason: str | None) -> dict[str, Any]:
    customer = order.customer
    status = order.status
    if hold_reason and status is OrderStatus.pending:
        status = OrderStatus.requires_action
    return {
        "channel": channel,
        "external_id": order.external_id,
        "display_number": order.display_number,
        "status": status.value,
        "payment_status": order.payment_status.value,
        "fulfillment_status": order.fulfillment_status.value,
        "currency": order.currency,
        "placed_at": order.placed_at,
        "upstream_updated_at": order.changed_at,
        "upstream_version": order.upstream_version,
        "customer_email": customer.email if customer else None,
        "customer_name": customer.name if customer else None,
        "customer_phone": customer.phone if customer else None,
        "shipping_address": _dump(order.shipping_address),
        "billing_address": _dump(order.billing_address),
        "notes": order.notes,
        "payment_reference": order.payment_reference,
        "taxes_included": order.taxes_included,
        "subtotal": totals.subtotal,
        "discount_total": totals.discount_total,
        "shipping_total": totals.shipping_total,
        "shipping_tax": order.shipping_tax,
        "tax_total": totals.tax_total,
        "total": totals.total,
        "hold_reason": hold_reason,
        "channel_status": order.channel_status,
        "raw": order.raw,
    }


def _dump(model: Any) -> dict[str, Any] | None:
    """A flat model's set fields (addresses; cheaper than model_dump on the hot path)."""
    return None if model is None else {k: v for k, v in model.__dict__.items() if v is not None}


def line_rows(
    order_id: int,
    priced: Sequence[PricedLine],
    holdings: Mapping[str, LineStock],
    *,
    non_stock: NonStockSkus = NONE,
) -> list[dict[str, Any]]:
    rows = []
    for position, p in enumerate(priced):
        ln = p.line
        key = ln.key
        held = holdings.get(key)
        rows.append(
            {
                "order_id": order_id,
                "line_key": key,
                "position": position,
                "sku": ln.sku,
                "title": ln.title,
                "quantity": ln.quantity,
                "unit_price": ln.unit_price,
                "discount": ln.discount,
                "order_discount_share": p.order_discount_share,
                "tax_total": p.tax_total,
                "tax_lines": [_tax_line(t) for t in ln.tax_lines],
                "fulfilled_quantity": ln.fulfilled_quantity,
                "shipped_quantity": ln.shipped_quantity,
                "returned_quantity": ln.returned_quantity,
                "canceled_quantity": ln.canceled_quantity,
                "backordered_quantity": held.backordered if held is not None else 0,
                "holds_stock": non_stock.holds_stock(ln.sku),
            }
        )
    return rows


def _tax_line(tax: TaxLine) -> dict[str, Any]:
    if tax.rate is None:
        return {"title": tax.title, "amount": tax.amount}
    return {"title": tax.title, "amount": tax.amount, "rate": tax.rate}


def insert_orders(conn: Connection, rows: list[dict[str, Any]], now: datetime) -> list[int]:
    """Insert new orders and bind their external ids; returns hub ids in the order of `rows`."""
    ids = next_ids(conn, orders, len(rows))
    for row, oid in zip(rows, ids, strict=True):
        row["id"] = oid
        row["created_at"] = row["updated_at"] = now
    insert_rows(conn, orders, rows)
    for channel in {row["channel"] for row in rows}:
        pairs = {row["external_id"]: row["id"] for row in rows if row["channel"] == channel}
        bind_many(conn, channel, ORDER_KIND, pairs)
    return ids


def update_orders(conn: Connection, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    if not rows:
        return
    columns = [c for c in rows[0] if c not in {"channel", "external_id", "id"}]
    stmt = (
        update(orders)
        .where(orders.c.id == bindparam("k_id"))
        .values({c: bindparam(c) for c in columns} | {"updated_at": bindparam("k_now")})
    )
    conn.execute(stmt, [{**{c: r[c] for c in columns}, "k_id": r["id"], "k_now": now} for r in rows])


def replace_lines(conn: Connection, stored: Mapping[int, StoredOrder], rows: Sequence[dict[str, Any]]) -> None:
    """Update lines that still exist, insert new ones, delete removed ones."""
    seen: dict[int, set[str]] = defaultdict(set)
    changed, added = [], []
    for row in rows:
        seen[row["order_id"]].add(row["line_key"])
        old = stored[row["order_id"]].lines.get(row["line_key"])
        if old is None:
            added.append(row)
        elif any(old[k] != v for k, v in row.items()):
            changed.append({**row, "k_id": old["id"]})
    gone = [old["id"] for oid, s in stored.items() for key, old in s.lines.items() if key not in seen[oid]]
    if changed:
        columns = [c for c in changed[0] if c not in {"k_id", "order_id", "line_key"}]
        stmt = update(order_lines).where(order_lines.c.id == bindparam("k_id"))
        conn.execute(stmt.values({c: bindparam(c) for c in columns}), changed)
    insert_rows(conn, order_lines, added)
    if gone:
        conn.execute(delete(order_lines).where(order_lines.c.id.in_(gone)))


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return sorted(k for k, v in new.items() if k not in _UNTRACKED and k in old and old[k] != v)
