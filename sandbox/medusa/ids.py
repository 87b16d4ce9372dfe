"""Identifiers and timestamps as Medusa v2 writes them: `order_01J…` ULIDs and ISO times in milliseconds."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class IdSource:
    """ULID-shaped ids: the time part from the moment given, the random part hashed from (seed, prefix, count).

    The same seed and the same sequence of calls give the same ids.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._counts: dict[str, int] = {}

    def new(self, prefix: str, at: datetime) -> str:
        count = self._counts.get(prefix, 0) + 1
        self._counts[prefix] = count
        digest = hashlib.sha256(f"{self._seed}:{prefix}:{count}".encode()).digest()
        millis = int(at.timestamp() * 1000)
        return f"{prefix}_{_base32(millis, 10)}{_base32(int.from_bytes(digest[:10], 'big'), 16)}"


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


def millis(moment: datetime) -> datetime:
    """The moment in UTC, cut to the millisecond Medusa keeps."""
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def stamp(moment: datetime | None) -> str | None:
    """`2026-11-20T12:00:00.123Z`, or None."""
    if moment is None:
        return None
    return millis(moment).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.astimezone(UTC).microsecond // 1000:03d}Z"


def parse_stamp(raw: str) -> datetime:
    """An ISO 8601 time from a query; without an offset it is taken as UTC. ValueError when unreadable."""
    moment = datetime.fromisoformat(raw)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
