"""What every route reaches through the application: the hub, the tokens, the counters, the job threads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from api.counters import ApiCounters
from api.jobs import Jobs
from cli.context import Hub


@dataclass(frozen=True)
class ApiState:
    hub: Hub
    counters: ApiCounters
    jobs: Jobs
    schema_head: str


def api_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


State = Annotated[ApiState, Depends(api_state)]
