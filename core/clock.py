"""Time is UTC inside and comes from an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests: it only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def as_utc(moment: datetime) -> datetime:
    """Return `moment` in UTC; a naive datetime is refused because its zone is unknown."""
    if moment.tzinfo is None:
        raise ValueError(f"datetime {moment.isoformat()} has no time zone; send it with an offset or 'Z'")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"datetime {moment.isoformat()} is out of range once in UTC") from None
