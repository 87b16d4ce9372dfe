"""Operations (operator scope): run a job now, replay dead letters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, Field

from api.auth import OPERATOR_REFUSALS, Caller, Operator
from api.params import ChannelFilter, RowId
from api.schemas import Problem
from api.state import State
from core import dead_letters
from core.errors import FatalError
from core.runs import RunStatus

router = APIRouter(tags=["operations"], responses=OPERATOR_REFUSALS)


class RunStarted(BaseModel):
    run_id: int | None = Field(description="poll GET /runs/{run_id} for its progress and outcome")
    job: str
    channel: str
    status: RunStatus = Field(description="running; or skipped when another run holds the job's lease")


class Replayed(BaseModel):
    replayed: list[int] = Field(description="the dead letters put back in line; one that was not dead is not listed")


@router.post(
    "/jobs/{job}/runs",
    response_model=RunStarted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        200: {"model": RunStarted, "description": "The run ended without running (its lease is held)."},
        404: {"model": Problem, "description": "No such job (for that channel)."},
    },
)
def run_job(
    job: Annotated[str, Path(max_length=64, description="pull-orders, push-inventory, dispatch, ...")],
    state: State,
    caller: Operator,
    response: Response,
    channel: Annotated[
        str | None, Query(min_length=1, max_length=100, description="The channel (or provider) of per-channel jobs.")
    ] = None,
) -> RunStarted:
    """Run one job now, through the same runner and lease as the schedule and `omshub jobs run`; answers as
    soon as the run is recorded, with its id."""
    try:
        started = state.jobs.start(job, channel)
    except FatalError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    if started.status is not RunStatus.running:
        response.status_code = status.HTTP_200_OK
    return RunStarted(run_id=started.run_id, job=started.job, channel=started.channel, status=started.status)


@router.post("/dead-letters/{letter_id}/replay", response_model=Replayed, responses={404: {"model": Problem}})
def replay_one(letter_id: RowId, state: State, caller: Operator) -> Replayed:
    """Put one dead letter back in line with fresh attempts for the next dispatch; the replay is recorded."""
    with state.hub.engine.begin() as conn:
        replayed = dead_letters.replay(conn, letter_id, state.hub.clock.now(), by=_by(caller))
    return Replayed(replayed=[letter_id] if replayed else [])


@router.post("/dead-letters/replay", response_model=Replayed)
def replay_all(state: State, caller: Operator, channel: ChannelFilter = None) -> Replayed:
    """Put every dead letter (about the channel's orders, if given) back in line for the next dispatch."""
    with state.hub.engine.begin() as conn:
        return Replayed(replayed=dead_letters.replay_all(conn, state.hub.clock.now(), by=_by(caller), channel=channel))


def _by(caller: Caller) -> str:
    return f"api:{caller.name}"
