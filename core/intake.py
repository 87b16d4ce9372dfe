"""Intake: one page of a channel's orders becomes hub state in ONE transaction.

For each order: validate (a bad one is quarantined and the page goes on), then create it, apply
a newer upstream version, or leave it alone when it is not newer. Stock is reserved or released,
outbox events are written, returns the channel registered are taken in (once each, see core.returns), and the
channel's bookmark is advanced, all in the same transaction: the page lands whole or not at all, and ingesting
it again changes nothing.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, text

from core import (
    amendments,
    bookmarks,
    channels,
    kits,
    order_store,
    outbox,
    payment_failures,
    publish,
    quarantine,
    returns,
    shipments,
)
from core.allocation import ChannelPolicy
from core.bookmarks import Bookmark
from core.clock import Clock
from core.errors import InsufficientStock, InvalidRequest
from core.inventory import StockBook
from core.kits import Kits
from core.model import CanonicalOrder, ChannelReturn, FulfillmentStatus, PaymentStatus
from core.order_events import order_events
from core.order_store import KnownOrder, StoredOrder
from core.quarantine import Rejected
from core.raw_json import value_of
from core.reservations import write_reservations
from core.stock_plan import LineTarget, StockOutcome, settle, split_pooled
from core.store.bulk import insert_rows
from core.store.schema import order_lines
from core.validation import Accepted, validate_one, validate_page

PageItem = Any
"""A CanonicalOrder, or a mapping to be validated as one."""


@dataclass(slots=True)
class IntakeResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    order_ids: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    """Each valid order's external id → created, updated or unchanged."""

    def add(self, other: IntakeResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.quarantined += other.quarantined
        self.order_ids.update(other.order_ids)
        self.outcomes.update(other.outcomes)


def ingest(
    engine: Engine,
    channel: str,
    page: Sequence[PageItem],
    *,
    clock: Clock,
    bookmark: Bookmark | None = None,
) -> IntakeResult:
    """Take in one page of `channel`'s orders and its bookmark, atomically."""
    with engine.begin() as conn:
        return ingest_in(conn, channel, page, clock=clock, bookmark=bookmark)


def ingest_in(
    conn: Connection,
    channel: str,
    page: Sequence[PageItem],
    *,
    clock: Clock,
    bookmark: Bookmark | None = None,
) -> IntakeResult:
    """`ingest` inside a transaction the caller owns (and may roll back, as a dry run does)."""
    now = clock.now()
    policy = channels.policy(conn, channel)
    accepted, rejected = validate_page(page)
    lock_channel(conn, channel)
    known = order_store.find_known(conn, channel, accepted)
    result = IntakeResult(quarantined=len(rejected))
    new = [a for ext, a in accepted.items() if ext not in known]
    newer = {
        known[ext].id: a
        for ext, a in accepted.items()
        if ext in known and a.order.is_newer_than(known[ext].upstream_version, known[ext].upstream_updated_at)
    }
    newer.update(_changed_within_the_same_tick(conn, accepted, known, newer))
    _keep_hub_changes(conn, newer)
    registered = returns.unrecorded(conn, channel, [a.order for a in accepted.values()])
    new = [_returns_held_back(a, registered) for a in new]
    newer = {oid: _returns_held_back(a, registered) for oid, a in newer.items()}
    result.unchanged = len(accepted) - len(new) - len(newer)
    result.order_ids = {ext: k.id for ext, k in known.items()}
    stored = order_store.load_stored(conn, list(newer))
    pooled, book = _stock(conn, accepted.values(), stored.values(), now)
    events: list[outbox.Event] = []
    result.order_ids.update(_create(conn, book, Rules(policy, pooled), new, now, events))
    _apply(conn, book, Rules(policy, pooled), newer, stored, now, events)
    result.created, result.updated = len(new), len(newer)
    changed = {a.order.external_id for a in newer.values()}
    result.outcomes = {
        ext: "created" if ext not in known else "updated" if ext in changed else "unchanged" for ext in accepted
    }
    book.flush()
    came_back = {result.order_ids[ext]: found for ext, found in registered.items()}
    events += returns.take_channel_returns(conn, policy, came_back, now=now)
    touched = [*new, *newer.values(), *(accepted[ext] for ext in registered)]
    publish.forget_skus(conn, channel, {ln.sku for a in touched for ln in a.order.lines if ln.sku})
    outbox.append(conn, events, now)
    quarantine.put(conn, channel, rejected, now)
    quarantine.resolve(conn, channel, accepted, now)
    if bookmark is not None:
        bookmarks.save(conn, channel, bookmark, now)
    return result


def amend(conn: Connection, channel: str, order_id: int, order: CanonicalOrder, now: datetime) -> None:
    """Apply a version of a known order that the hub made itself (an edit, exchange or claim), whatever its
    channel stamp: reservations follow the lines (kept, grown or given back; never dropped and made again),
    totals are computed from the lines, and the events of the change are written."""
    checked = validate_one(order)
    if isinstance(checked, Rejected):
        raise InvalidRequest(checked.reason)
    policy = channels.policy(conn, channel)
    lock_channel(conn, channel)
    stored = order_store.load_stored(conn, [order_id])
    pooled, book = _stock(conn, [checked], stored.values(), now)
    events: list[outbox.Event] = []
    _apply(conn, book, Rules(policy, pooled), {order_id: checked}, stored, now, events)
    book.flush()
    publish.forget_skus(conn, channel, {ln.sku for ln in order.lines if ln.sku})
    outbox.append(conn, events, now)


def _stock(
    conn: Connection, accepted: Iterable[Accepted], stored: Iterable[StoredOrder], now: datetime
) -> tuple[Kits, StockBook]:
    """The pooled kits among the SKUs these orders hold or ask for, and the stock book over them."""
    skus = _skus(accepted, stored)
    pooled = kits.load(conn, skus, pooled=True)
    return pooled, StockBook(conn, skus | kits.components_of(pooled), now)


def _keep_hub_changes(conn: Connection, newer: dict[int, Accepted]) -> None:
    """A channel's newer version of an order the hub changed (an edit, exchange or claim) keeps those changes:
    the actions of every confirmed change apply again on top of the channel's lines."""
    for order_id, actions in amendments.confirmed_actions(conn, list(newer)).items():
        kept = validate_one(amendments.apply(newer[order_id].order, actions))
        if isinstance(kept, Accepted):
            newer[order_id] = kept


def _returns_held_back(accepted: Accepted, registered: Mapping[str, Sequence[ChannelReturn]]) -> Accepted:
    """The order with the units of its channel returns the hub has not recorded yet left out of its lines'
    returned_quantity: taking those returns in, once the lines are written, counts them (as receiving does)."""
    found = registered.get(accepted.order.external_id)
    if not found:
        return accepted
    units: dict[str, int] = {}
    for part in (part for ret in found for part in ret.lines):
        key = accepted.order.returned_line(part.line).key
        units[key] = units.get(key, 0) + part.quantity
    priced = [
        p._replace(line=p.line.model_copy(update={"returned_quantity": p.line.returned_quantity - units[p.line.key]}))
        if p.line.key in units
        else p
        for p in accepted.priced
    ]
    return accepted._replace(priced=priced)


class Rules(NamedTuple):
    """How a page's orders take stock: the channel's policy, and the pooled kits among their SKUs."""

    policy: ChannelPolicy
    pooled: Kits


def _create(
    conn: Connection,
    book: StockBook,
    rules: Rules,
    new: list[Accepted],
    now: datetime,
    events: list[outbox.Event],
) -> dict[str, int]:
    if not new:
        return {}
    policy = rules.policy
    outcomes = [settle(book, policy, f"order:{a.order.external_id}", {}, _targets(a, None, rules)) for a in new]
    rows = [
        order_store.order_row(a.order, a.totals, channel=policy.name, hold_reason=_hold_reason(o))
        for a, o in zip(new, outcomes, strict=True)
    ]
    ids = order_store.insert_orders(conn, rows, now)
    lines, held = [], {}
    for oid, a, o, row in zip(ids, new, outcomes, rows, strict=True):
        lines += order_store.line_rows(oid, a.priced, o.lines, non_stock=policy.non_stock)
        held[oid] = o
        events += order_events(oid, row, None, o)
    insert_rows(conn, order_lines, lines)
    write_reservations(conn, book, {oid: {} for oid in ids}, held, now)
    return {a.order.external_id: oid for a, oid in zip(new, ids, strict=True)}


def _apply(
    conn: Connection,
    book: StockBook,
    rules: Rules,
    newer: Mapping[int, Accepted],
    stored: Mapping[int, StoredOrder],
    now: datetime,
    events: list[outbox.Event],
) -> None:
    if not newer:
        return
    rows, lines, outcomes = [], [], {}
    failed = payment_failures.standing(conn, {oid: s.row for oid, s in stored.items()})
    for oid, a in newer.items():
        before = stored[oid]
        targets = _targets(a, before, rules)
        outcome = settle(book, rules.policy, f"order:{a.order.external_id}", before.holdings, targets)
        # a payment the hub found failed stays so, with its reason, until the channel reports it settled
        stands = oid in failed and a.order.payment_status in payment_failures.UNSETTLED
        hold = before.row["hold_reason"] if stands else _hold_reason(outcome)
        row = order_store.order_row(a.order, a.totals, channel=rules.policy.name, hold_reason=hold)
        if stands:
            row["payment_status"] = before.row["payment_status"]
        elif before.row["captured_total"] or before.row["refunded_total"]:  # the processor's word, as the hub heard it
            row["payment_status"] = _further(before.row["payment_status"], row["payment_status"])
        if row["channel_status"] is None:  # a version that does not state it (a change the hub made) keeps it
            row["channel_status"] = before.row["channel_status"]
        new_lines = order_store.line_rows(oid, a.priced, outcome.lines, non_stock=rules.policy.non_stock)
        kept = _keep_shipped(new_lines, before.lines)
        if before.row["fulfillment_hold"] is not None:  # a person has yet to release it
            row["fulfillment_status"] = FulfillmentStatus.requires_action.value
            row["hold_reason"] = row["hold_reason"] or before.row["fulfillment_hold"]
        elif row["fulfillment_status"] in shipments.BEFORE_SHIPPING and _hub_shipped(before.lines):
            # units the channel fulfilled itself left as well
            left = [{**r, "shipped_quantity": max(r["shipped_quantity"], r["fulfilled_quantity"])} for r in kept]
            row["fulfillment_status"] = shipments.shipping_status(left).value
        rows.append({**row, "id": oid})
        lines += kept
        outcomes[oid] = outcome
        events += order_events(oid, row, before, outcome)
    order_store.update_orders(conn, rows, now)
    order_store.replace_lines(conn, stored, lines)
    write_reservations(conn, book, {oid: s.reserved for oid, s in stored.items()}, outcomes, now)


def _changed_within_the_same_tick(
    conn: Connection, accepted: Mapping[str, Accepted], known: Mapping[str, KnownOrder], newer: Mapping[int, Accepted]
) -> dict[int, Accepted]:
    """Orders whose channel stamps changes to the second and has no version (WooCommerce): a change made in
    the same second as the state the hub holds carries the same time. A later read with a different payload
    is the later state, so it is applied."""
    tied = {
        known[ext].id: a
        for ext, a in accepted.items()
        if ext in known
        and known[ext].id not in newer
        and a.order.upstream_version is None
        and a.order.raw is not None
        and a.order.changed_at == known[ext].upstream_updated_at
    }
    stored = order_store.load_raw(conn, list(tied))
    return {oid: a for oid, a in tied.items() if stored.get(oid) != value_of(a.order.raw)}


def _targets(accepted: Accepted, before: StoredOrder | None, rules: Rules) -> list[LineTarget]:
    """What each line should hold now; a line that holds no stock (no SKU, or one the channel names non-stock)
    asks for nothing and gives back whatever it held."""
    order, non_stock = accepted.order, rules.policy.non_stock
    holds_stock = order.status.value not in ("canceled", "draft")
    old_lines = before.lines if before else {}
    targets, keys = [], set()
    for line in order.lines:
        key = line.key
        old = old_lines.get(key)
        newly, open_qty = 0, line.open_quantity
        if old is not None and old["sku"] == line.sku:
            newly = max(line.fulfilled_quantity - old["fulfilled_quantity"], 0)
            # units the hub saw leave (a provider's shipment) stay fulfilled though the channel does not know yet
            fulfilled = max(line.fulfilled_quantity, old["hub_fulfilled_quantity"])
            open_qty = max(line.quantity - line.canceled_quantity - fulfilled, 0)
        sku = line.sku if non_stock.holds_stock(line.sku) else None
        targets.append(LineTarget(key, sku, open_qty if holds_stock else 0, newly))
        keys.add(key)
    targets += [LineTarget(key, old["sku"], 0) for key, old in old_lines.items() if key not in keys]
    return split_pooled(targets, rules.pooled)


def _keep_shipped(rows: list[dict[str, Any]], old_lines: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A channel's version never lowers what the hub itself saw leave through a provider's shipment, nor the
    units that came back (a return received in the hub may reach the channel later, or never)."""
    for row in rows:
        old = old_lines.get(row["line_key"])
        if old is None or old["sku"] != row["sku"]:
            continue
        if old["hub_fulfilled_quantity"]:
            for name in ("fulfilled_quantity", "shipped_quantity"):
                row[name] = max(row[name], old["hub_fulfilled_quantity"])
        row["returned_quantity"] = max(row["returned_quantity"], old["returned_quantity"])
    return rows


_PAYMENT_PROGRESS = {
    status.value: step
    for step, status in enumerate(
        (
            PaymentStatus.authorized,
            PaymentStatus.partially_captured,
            PaymentStatus.captured,
            PaymentStatus.partially_refunded,
            PaymentStatus.refunded,
        )
    )
}


def _further(hub: str, channel: str) -> str:
    """Of the hub's payment status (recorded from the processor) and the channel's, the one further along; the
    channel's when either is off that path (canceled, requires_action, …)."""
    if hub not in _PAYMENT_PROGRESS or channel not in _PAYMENT_PROGRESS:
        return channel
    return max(hub, channel, key=_PAYMENT_PROGRESS.__getitem__)


def _hub_shipped(old_lines: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether the hub saw units of the order leave through a provider's shipment."""
    return any(old["hub_fulfilled_quantity"] for old in old_lines.values())


def _hold_reason(outcome: StockOutcome) -> str | None:
    if not outcome.held:
        return None
    return str(InsufficientStock(outcome.shortages))


def _skus(accepted: Any, stored: Any) -> set[str]:
    skus = {ln.sku for a in accepted for ln in a.order.lines if ln.sku is not None}
    for s in stored:
        skus.update(h.sku for h in s.holdings.values() if h.sku is not None)
        skus.update(sku for _key, sku, _loc in s.reserved)
    return skus


def lock_channel(conn: Connection, channel: str) -> None:
    """Serialise intake per channel on PostgreSQL (SQLite already has one writer at a time)."""
    if conn.dialect.name == "postgresql":
        key = zlib.crc32(f"omshub.intake:{channel}".encode())
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
