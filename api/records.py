"""Reading what the hub keeps (read scope): stock levels, run history, quarantine and dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from api.auth import READ_REFUSALS, Reader
from api.params import ChannelFilter, Limit, RowId
from api.schemas import Problem
from api.state import State
from core import dead_letters, queries, runs

router = APIRouter(responses=READ_REFUSALS)
_MISSING: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Level(_Out):
    sku: str
    location: str
    stocked: int
    reserved: int
    available: int
    incoming: int


class Run(_Out):
    id: int
    job: str
    channel: str
    trigger: str
    status: str
    holder: str
    started_at: datetime
    finished_at: datetime | None
    fetched: int
    created: int
    updated: int
    unchanged: int
    quarantined: int
    pushed: int
    bookmark_before: str | None
    bookmark_after: str | None
    error_category: str | None
    error_message: str | None


class QuarantineEntry(_Out):
    id: int
    channel: str
    external_id: str | None
    reason: str
    first_seen: datetime
    last_seen: datetime
    times_seen: int
    resolved_at: datetime | None


class QuarantineDetail(QuarantineEntry):
    payload: Any


class DeadLetter(_Out):
    id: int
    topic: str
    channel: str | None
    aggregate_type: str
    aggregate_id: str
    attempts: int
    finished_at: datetime | None
    last_error: str | None


class Replay(_Out):
    replayed_at: datetime
    replayed_by: str
    attempts_before: int
    error_before: str | None


class DeadLetterDetail(_Out):
    id: int
    topic: str
    aggregate_type: str
    aggregate_id: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    payload: dict[str, Any]
    replays: list[Replay]


Text = Annotated[str | None, Query(min_length=1, max_length=255)]


@router.get("/inventory/levels", response_model=list[Level], tags=["inventory"])
def levels(state: State, caller: Reader, sku: Text = None, location: Text = None) -> list[dict[str, Any]]:
    """Stocked, reserved, available and incoming units per SKU and location."""
    with state.hub.engine.connect() as conn:
        return queries.list_levels(conn, sku=sku, location=location)


@router.get("/runs", response_model=list[Run], tags=["runs"])
def run_history(
    state: State,
    caller: Reader,
    channel: ChannelFilter = None,
    job: Annotated[str | None, Query(min_length=1, max_length=64, description="Only this job.")] = None,
    limit: Limit = 30,
) -> list[dict[str, Any]]:
    """Recent runs, newest first: trigger, status, counts, bookmarks and errors."""
    with state.hub.engine.connect() as conn:
        return runs.history(conn, channel=channel, job=job, limit=limit)


@router.get("/runs/{run_id}", response_model=Run, responses=_MISSING, tags=["runs"])
def run(run_id: RowId, state: State, caller: Reader) -> dict[str, Any]:
    """One run (poll it after triggering a job)."""
    with state.hub.engine.connect() as conn:
        return queries.get_run(conn, run_id)


@router.get("/quarantine", response_model=list[QuarantineEntry], tags=["quarantine"])
def quarantined(
    state: State,
    caller: Reader,
    channel: ChannelFilter = None,
    resolved: Annotated[bool, Query(description="Include entries resolved by a later valid version.")] = False,
) -> list[dict[str, Any]]:
    """Records that could not be taken in, with their reasons."""
    with state.hub.engine.connect() as conn:
        return queries.list_quarantine(conn, channel=channel, include_resolved=resolved)


@router.get("/quarantine/{entry_id}", response_model=QuarantineDetail, responses=_MISSING, tags=["quarantine"])
def quarantine_entry(entry_id: RowId, state: State, caller: Reader) -> dict[str, Any]:
    """One quarantine entry with the payload as it arrived."""
    with state.hub.engine.connect() as conn:
        return queries.get_quarantined(conn, entry_id)


@router.get("/dead-letters", response_model=list[DeadLetter], tags=["dead letters"])
def dead(state: State, caller: Reader, channel: ChannelFilter = None) -> list[dict[str, Any]]:
    """Outbox rows whose delivery used up its attempts, oldest first, with the error they died of."""
    with state.hub.engine.connect() as conn:
        return dead_letters.list_dead(conn, channel=channel)


@router.get("/dead-letters/{letter_id}", response_model=DeadLetterDetail, responses=_MISSING, tags=["dead letters"])
def dead_letter(letter_id: RowId, state: State, caller: Reader) -> dict[str, Any]:
    """One outbox row (dead or not) with its payload and the replays recorded against it."""
    with state.hub.engine.connect() as conn:
        return dead_letters.get(conn, letter_id)
