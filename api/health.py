"""Health checks, answered without a token: `/healthz` (the process is up) and `/readyz` (the database
answers and its schema is the one this code needs)."""

from __future__ import annotations

import structlog
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from api.state import State
from core.store import migrate

router = APIRouter(tags=["health"])
log = structlog.get_logger("omshub.api")


class Health(BaseModel):
    status: str
    detail: str | None = None


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(state: State) -> JSONResponse | Health:
    """Ready when the database answers and its schema revision is current (else 503)."""
    try:
        revision = migrate.current_revision(state.hub.engine)
    except SQLAlchemyError as exc:
        log.warning("api.not_ready", error=type(exc).__name__)
        return _unready("the database does not answer")
    if revision != state.schema_head:
        return _unready(f"the database schema is at {revision}, not {state.schema_head}; run `omshub db upgrade`")
    return Health(status="ready")


def _unready(detail: str) -> JSONResponse:
    return JSONResponse(Health(status="unavailable", detail=detail).model_dump(), status_code=503)
