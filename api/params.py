"""Path and query parameters shared by the routes, bounded so that every value reaches the store intact."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime


def _utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("the time is out of range once converted to UTC") from None


PRINTABLE = r"^[^\x00]*$"
"""Text the store can hold: no NUL (the pattern also refuses text that is not valid Unicode)."""

ORDER_REF = r"^([0-9]{1,18}|[^:]{1,100}:.{1,255})$"

OrderRef = Annotated[
    str,
    Path(pattern=ORDER_REF, description="A hub id (42) or CHANNEL:EXTERNAL_ID (webshop:1001)."),
]
RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The id as listed.")]
ChannelFilter = Annotated[str | None, Query(min_length=1, max_length=100, description="Only this channel.")]
Since = Annotated[AwareDatetime, AfterValidator(_utc)]
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many.")]
