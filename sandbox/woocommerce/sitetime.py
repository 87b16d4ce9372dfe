"""WordPress time: every date twice, site-local (`date_x`) and UTC (`date_x_gmt`), whole seconds, no offset."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

Clock = Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class SiteTime:
    """The shop's clock and its fixed UTC offset (the WordPress `gmt_offset` setting)."""

    clock: Clock
    utc_offset: timedelta

    @property
    def zone(self) -> timezone:
        return timezone(self.utc_offset)

    def now(self) -> datetime:
        """The clock's reading in UTC, cut to whole seconds as MySQL stores it."""
        return self.clock().astimezone(UTC).replace(microsecond=0)

    def local(self, moment: datetime) -> datetime:
        """Site-local wall time without an offset, as the `post_date` column holds it."""
        return moment.astimezone(self.zone).replace(tzinfo=None, microsecond=0)

    def naive_gmt(self, moment: datetime) -> datetime:
        return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)

    def pair(self, name: str, moment: datetime | None) -> dict[str, Any]:
        """`{name: local, name_gmt: utc}` as WooCommerce writes them; both null when there is no moment."""
        if moment is None:
            return {name: None, f"{name}_gmt": None}
        return {name: self.local(moment).isoformat(), f"{name}_gmt": self.naive_gmt(moment).isoformat()}

    def timezone_name(self) -> str:
        """The `timezone` setting of a site configured with a manual offset, e.g. "+02:00"."""
        minutes = int(self.utc_offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
