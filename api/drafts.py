"""Draft orders: kept (operator) reserving nothing, converted (operator) once through the normal intake as the
order `draft-N` of their channel, listed (read). The same core functions as `omshub drafts`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Path, Query
from fastapi import status as http
from pydantic import BaseModel, ConfigDict, Field, ValidatorFunctionWrapHandler, WrapValidator

from api import storable
from api.auth import OPERATOR_REFUSALS, READ_REFUSALS, Caller, Operator, Reader
from api.params import ChannelFilter
from api.schemas import Problem
from api.state import State
from core import drafts
from core.drafts import DraftStatus
from core.errors import FatalError

router = APIRouter(tags=["drafts"], responses=READ_REFUSALS)

_CHECKED_AT = datetime(2000, 1, 1, tzinfo=UTC)
"""The moment a draft is checked as of (conversion stamps its own); it does not change what is valid."""


def _convertible(value: Any, handler: ValidatorFunctionWrapHandler) -> dict[str, Any]:
    """A JSON object that conversion will turn into an order the store can hold."""
    draft: dict[str, Any] = handler(value)
    named = [field for field in drafts.FILLED_IN if field in draft]
    if named:
        raise ValueError(f"{', '.join(named)}: a draft has none; it becomes draft-N of its channel, pending")
    try:
        order = drafts.as_order("draft-1", draft, _CHECKED_AT)
    except OverflowError:
        raise ValueError("a date is out of range once converted to UTC") from None
    found = storable.problems(order)
    if found:
        raise ValueError("; ".join(found))
    return draft


DraftBody = Annotated[dict[str, Any], WrapValidator(_convertible)]
"""A canonical order (as `omshub orders schema` prints it) without external_id and status; placed_at optional."""

DraftRef = Annotated[str, Path(pattern=r"^draft-[0-9]{1,18}$", description="The draft's reference (draft-1).")]
DraftChannel = Annotated[
    str,
    Query(min_length=1, max_length=100, description="The channel the order will belong to, as under [channels]."),
]
EXAMPLE = {
    "currency": "EUR",
    "payment_status": "captured",
    "customer": {"email": "mia.keller@example.com", "first_name": "Mia", "last_name": "Keller"},
    "lines": [{"line_id": "l1", "sku": "TEE-BLK-M", "title": "Tee black M", "quantity": 2, "unit_price": 2500}],
    "order_discount": 500,
}


class Draft(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: int
    reference: str = Field(description="draft-N; the order's external id once converted")
    channel: str
    status: DraftStatus
    order_id: int | None = Field(description="the hub id of the order it became; none while open")
    payload: dict[str, Any] = Field(description="the draft as it was kept")
    created_by: str
    created_at: datetime
    updated_at: datetime


@router.post(
    "/drafts",
    response_model=Draft,
    status_code=http.HTTP_201_CREATED,
    responses={**OPERATOR_REFUSALS, 404: {"model": Problem, "description": "The channel is not configured."}},
)
def create(
    draft: Annotated[
        DraftBody,
        Body(
            description="A canonical order (as `omshub orders schema` prints it) without external_id and status;"
            " placed_at is optional (default: when it is kept).",
            openapi_examples={"draft": {"summary": "A counter sale", "value": EXAMPLE}},
        ),
    ],
    channel: DraftChannel,
    state: State,
    caller: Operator,
) -> dict[str, Any]:
    """Keep a draft order (lines, customer, addresses, prices, an optional order_discount), checked as the order it
    will become; it reserves nothing and reaches no provider until converted. Each call keeps a new draft."""
    try:
        with state.hub.engine.begin() as conn:
            return drafts.create(conn, channel, draft, state.hub.clock.now(), created_by=by(caller))
    except FatalError as exc:  # the channel is not configured
        raise HTTPException(http.HTTP_404_NOT_FOUND, str(exc)) from None


@router.post(
    "/drafts/{reference}/convert",
    response_model=Draft,
    responses={
        **OPERATOR_REFUSALS,
        404: {"model": Problem},
        409: {"model": Problem, "description": "The intake refused the order (it is in the quarantine)."},
    },
)
def convert(reference: DraftRef, state: State, caller: Operator) -> dict[str, Any]:
    """Take the draft in as the order `draft-N` of its channel, through the same intake as any order (stock
    reserved, released to fulfillment when paid); converting it again changes nothing and names the same order."""
    with state.hub.engine.begin() as conn:
        return drafts.convert(conn, reference, state.hub.clock.now())


@router.get("/drafts", response_model=list[Draft])
def list_drafts(
    state: State,
    caller: Reader,
    channel: ChannelFilter = None,
    status: Annotated[DraftStatus | None, Query(description="Only open or only converted drafts.")] = None,
) -> list[dict[str, Any]]:
    """Drafts, oldest first."""
    with state.hub.engine.connect() as conn:
        return drafts.list_drafts(conn, channel=channel, status=status.value if status else None)


def by(caller: Caller) -> str:
    """Who did it, as kept with what the API creates."""
    return f"api:{caller.name}"
