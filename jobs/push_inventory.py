"""push-inventory: publish to a channel the stock it may sell, only where the value changed.
verify-inventory: read back what the channel shows for what it was told; re-push where it drifted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from connectors.base import StockSink
from core import bindings, publish
from core.errors import RetryableError
from core.publish import Published, PublishPlan, PublishRule
from jobs.runner import RunScope, Work

if TYPE_CHECKING:
    from jobs.catalog import Catalog

log = structlog.get_logger("omshub.jobs")


def push_inventory_work(catalog: Catalog, channel: str) -> Work:
    sink, plan, rule = _publishing(catalog, channel)
    return lambda scope: push_inventory(scope, sink, channel, plan, rule)


def _publishing(catalog: Catalog, channel: str) -> tuple[StockSink, PublishPlan, PublishRule]:
    """The channel's stock sink and publishing policy, as both inventory jobs use them."""
    settings = catalog.config.channels[channel]
    sink = catalog.connectors[channel].stock
    assert sink is not None
    return sink, settings.publish_plan, settings.jobs.push_inventory.rule


def push_inventory(scope: RunScope, sink: StockSink, channel: str, plan: PublishPlan, rule: PublishRule) -> None:
    """Send the values that changed under the channel's plan and rule; bind the item ids the sink looked up."""
    scope.check()
    with scope.engine.connect() as conn:
        changed = publish.to_publish(conn, channel, plan, rule)
        items = bindings.channel_items(conn, channel)
    scope.counts.fetched += len(changed)
    if scope.dry_run or not changed:
        return
    result = sink.push_levels(changed, items=items, time_left=scope.time_left())
    with scope.engine.begin() as conn:
        publish.record_pushed(conn, channel, result.pushed, scope.clock.now())
        bindings.unbind_items(conn, channel, result.forgotten)
        bindings.bind_items(conn, channel, result.resolved)
    scope.counts.pushed += len(result.pushed)
    if result.unlisted:
        skus = sorted({p.sku for p in result.unlisted})
        log.info("inventory.unlisted", skus=skus[:20], count=len(skus))
    if result.failed:
        sample = "; ".join(f"{p.sku}@{p.location}: {why}" for p, why in result.failed[:5])
        raise RetryableError(f"{len(result.failed)} level(s) were not accepted: {sample}")


def verify_inventory_work(catalog: Catalog, channel: str) -> Work:
    sink, plan, rule = _publishing(catalog, channel)
    return lambda scope: verify_inventory(scope, sink, channel, plan, rule)


def verify_inventory(scope: RunScope, sink: StockSink, channel: str, plan: PublishPlan, rule: PublishRule) -> None:
    """Compare the channel's levels with the last confirmed push; drifted pairs (counted as `updated`)
    are forgotten and pushed again with the hub's current values, in the same run."""
    scope.check()
    with scope.engine.connect() as conn:
        told = [Published(sku, loc, value) for (sku, loc), value in publish.last_pushed(conn, channel).items()]
        items = bindings.channel_items(conn, channel)
    shown = sink.read_levels(told, items=items, time_left=scope.time_left())
    drift = [p for p in told if (p.sku, p.location) in shown and shown[p.sku, p.location] != p.available]
    scope.counts.unchanged = len(told) - len(drift)
    scope.counts.updated = len(drift)
    if drift:
        sample = [f"{p.sku}@{p.location}: told {p.available}, shows {shown[p.sku, p.location]}" for p in drift[:5]]
        log.warning("inventory.drift", count=len(drift), sample=sample)
    if scope.dry_run or not drift:
        return
    with scope.engine.begin() as conn:
        publish.forget_pushed(conn, channel, drift)
    push_inventory(scope, sink, channel, plan, rule)
