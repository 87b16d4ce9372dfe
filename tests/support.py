"""Builders shared by the tests: canonical orders and a hub with locations, channels and stock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from core import channels, stock_admin
from core.allocation import ShortagePolicy, Strategy
from core.channels import ChannelSpec, LocationSpec

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def line(sku: str, quantity: int = 1, unit_price: int = 1000, **extra: Any) -> dict[str, Any]:
    return {
        "line_id": extra.pop("line_id", sku),
        "sku": sku,
        "title": sku,
        "quantity": quantity,
        "unit_price": unit_price,
        **extra,
    }


def order(external_id: str, *lines: dict[str, Any], minutes: int = 0, **extra: Any) -> dict[str, Any]:
    """A canonical order as a channel mapper would produce it; `minutes` moves updated_at forward."""
    return {
        "external_id": external_id,
        "currency": "EUR",
        "placed_at": T0.isoformat(),
        "updated_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "lines": list(lines) or [line("SKU-A")],
        **extra,
    }


def setup_hub(
    engine: Engine,
    *,
    locations: Iterable[str] = ("near", "far"),
    strategy: Strategy = Strategy.priority,
    shortage_policy: ShortagePolicy = ShortagePolicy.hold,
    allow_split: bool = True,
    channel: str = "web",
    stock: dict[tuple[str, str], int] | None = None,
    now: datetime = T0,
) -> None:
    locs = list(locations)
    spec = ChannelSpec(channel, tuple(locs), strategy, shortage_policy, allow_split)
    with engine.begin() as conn:
        channels.sync(conn, [LocationSpec(code, code.title()) for code in locs], [spec])
        for (sku, loc), qty in (stock or {}).items():
            stock_admin.set_stocked(conn, sku, loc, qty, now)


def levels(engine: Engine) -> dict[tuple[str, str], tuple[int, int]]:
    """(sku, location code) → (stocked, reserved)."""
    from core.queries import list_levels

    with engine.connect() as conn:
        return {(r["sku"], r["location"]): (r["stocked"], r["reserved"]) for r in list_levels(conn)}
