"""pull-stock: a fulfillment provider that is the source of truth for stock sets the hub's stocked quantities
at the locations mapped to its warehouses (see core.stock_source); push-inventory then publishes the change."""

from __future__ import annotations

import structlog

from core import bindings, stock_source
from core.stock_source import StockReading, StockSource
from jobs.runner import RunScope

log = structlog.get_logger("omshub.jobs")
SAMPLE = 20


def pull_stock(scope: RunScope, name: str, provider: StockSource) -> None:
    """Read the provider's figures for every SKU the hub keeps stock of and set the levels that differ; a dry
    run works out the same changes and rolls them back."""
    scope.check()
    with scope.engine.connect() as conn:
        skus = stock_source.skus_to_read(conn)
        items = bindings.channel_items(conn, name)
    as_of = scope.clock.now()
    reading = provider.stock_levels(skus, items=items, time_left=scope.time_left())
    scope.counts.fetched += len(reading.levels)
    _report(name, reading)
    with scope.engine.connect() as conn, conn.begin() as tx:
        applied = stock_source.apply(conn, name, reading.levels, as_of=as_of, now=scope.clock.now())
        bindings.unbind_items(conn, name, reading.forgotten)
        bindings.bind_items(conn, name, reading.resolved)
        if scope.dry_run:
            tx.rollback()
    scope.counts.updated += len(applied.changed)
    scope.counts.unchanged += applied.unchanged
    short = [f"{c.sku}@{c.location}: {c.oversold}" for c in applied.changed if c.oversold]
    if short:
        log.warning("stock_source.oversold", provider=name, count=len(short), sample=short[:SAMPLE])


def _report(name: str, reading: StockReading) -> None:
    if reading.unknown:
        log.warning(
            "stock_source.unknown_skus", provider=name, count=len(reading.unknown), skus=reading.unknown[:SAMPLE]
        )
    if reading.untracked:
        log.info(
            "stock_source.untracked_skus", provider=name, count=len(reading.untracked), skus=reading.untracked[:SAMPLE]
        )
