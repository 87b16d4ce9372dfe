"""Returns: units of shipped lines asked back (operator), received with a disposition per line and refunded or
not (operator), listed (read). The same core functions as `omshub returns`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import APIRouter, Body, Path, Query
from fastapi import status as http
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth import OPERATOR_REFUSALS, READ_REFUSALS, Operator, Reader
from api.drafts import by
from api.params import ORDER_REF, PRINTABLE, OrderRef
from api.schemas import Problem
from api.state import State
from core import queries, returns
from core.returns import Disposition, Received, ReturnStatus

router = APIRouter(tags=["returns"], responses=READ_REFUSALS)

LineRef = Annotated[
    str, Field(min_length=1, max_length=255, pattern=PRINTABLE, description="The order line: its line_id or SKU.")
]
Location = Annotated[str, Field(min_length=1, max_length=100, pattern=PRINTABLE, description="A [locations] code.")]
Units = Annotated[int, Field(le=2**31 - 1)]
ReturnRef = Annotated[str, Path(min_length=1, max_length=255, description="The return's reference (ret-ORDER-N).")]
_CHANGES: dict[int | str, dict[str, Any]] = {
    **OPERATOR_REFUSALS,
    404: {"model": Problem, "description": "No such order, return or stock location."},
    409: {"model": Problem, "description": "It does not fit the order: more units than are left, an unknown line."},
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AskedLine(_In):
    line: LineRef
    quantity: Units = Field(ge=1, description="Units asked back; at most what shipped and is not returned yet.")


class ReturnAsked(_In):
    lines: list[AskedLine] = Field(min_length=1, max_length=1000, description="Each line once.")
    reason: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=PRINTABLE, description="A reason code, e.g. wrong_size."
    )
    note: str | None = Field(default=None, max_length=4000, pattern=PRINTABLE, description="Kept with the return.")
    return_shipping: int = Field(
        default=0, ge=0, le=2**63 - 1, description="Minor units the customer bears, taken off the refund."
    )
    location: Location | None = Field(default=None, description="Where the units come back to (for restocking).")

    @field_validator("lines")
    @classmethod
    def _each_line_once(cls, lines: list[AskedLine]) -> list[AskedLine]:
        return each_once(lines)


class ReceivedLine(_In):
    line: LineRef
    quantity: Units = Field(ge=0, description="Units that came in; at most what was asked back.")
    disposition: Disposition = Field(description="restock (back on the shelf), damaged or written_off")
    location: Location | None = Field(default=None, description="Where restocked units go (default: the body's).")


class _Named(Protocol):
    line: str


_Line = TypeVar("_Line", bound=_Named)


class ReturnReceived(_In):
    lines: list[ReceivedLine] = Field(min_length=1, max_length=1000, description="Each line once.")
    location: Location | None = Field(
        default=None, description="Where restocked units go when a line names none (default: the return's)."
    )
    refund: bool = Field(
        default=True,
        description="Refund what was paid for the units received, less return shipping, when the hub settles the"
        " money of the order's channel; the refund goes out with the next dispatch.",
    )

    @field_validator("lines")
    @classmethod
    def _each_line_once(cls, lines: list[ReceivedLine]) -> list[ReceivedLine]:
        return each_once(lines)


def each_once(lines: list[_Line]) -> list[_Line]:
    """The lines, refused when one is named twice (a 422 from a validator)."""
    seen: set[str] = set()
    for line in lines:
        if line.line in seen:
            raise ValueError(f"line {line.line!r} is named twice; give each line once")
        seen.add(line.line)
    return lines


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ReturnLine(_Out):
    line_key: str
    quantity: int = Field(description="units asked back")
    reason: str | None
    received_quantity: int
    disposition: Disposition | None = Field(description="none until received")
    location: str | None = Field(description="where restocked units went")


class Return(_Out):
    id: int
    reference: str
    order_id: int
    status: ReturnStatus
    reason: str | None
    note: str | None
    requested_by: str
    location: str | None
    return_shipping: int = Field(description="minor units of the order's currency")
    refund_amount: int | None = Field(description="what the received units refund; none when received without one")
    refund_reference: str | None = Field(description="the refund operation queued (see the order's payments)")
    created_at: datetime
    updated_at: datetime
    lines: list[ReturnLine]


@router.post("/orders/{ref}/returns", response_model=Return, status_code=http.HTTP_201_CREATED, responses=_CHANGES)
def request(ref: OrderRef, asked: Annotated[ReturnAsked, Body()], state: State, caller: Operator) -> dict[str, Any]:
    """Ask units of shipped lines back; never more than shipped and not yet returned or asked back. The
    warehouse that shipped them is told with the next dispatch."""
    with state.hub.engine.begin() as conn:
        return returns.request(
            conn,
            ref,
            {line.line: line.quantity for line in asked.lines},
            state.hub.clock.now(),
            reason=asked.reason,
            note=asked.note,
            return_shipping=asked.return_shipping,
            location=asked.location,
            requested_by=by(caller),
        )


@router.post("/returns/{reference}/receive", response_model=Return, responses=_CHANGES)
def receive(
    reference: ReturnRef, received: Annotated[ReturnReceived, Body()], state: State, caller: Operator
) -> dict[str, Any]:
    """Take a requested return in, saying per line what came and what becomes of it: restocked units are
    available again at once; with `refund` the order's payment processor refunds them with the next dispatch."""
    came = {
        line.line: Received(line.quantity, line.disposition, line.location or received.location)
        for line in received.lines
    }
    with state.hub.engine.begin() as conn:
        order = queries.get_order(conn, str(returns.get(conn, reference)["order_id"]))
        return returns.receive(
            conn,
            reference,
            came,
            state.hub.clock.now(),
            processor=state.hub.processor_of(order["channel"]),
            refund=received.refund,
        )


@router.get("/returns", response_model=list[Return], responses={404: {"model": Problem}})
def list_returns(
    state: State,
    caller: Reader,
    order: Annotated[str | None, Query(pattern=ORDER_REF, description="Only this order's (id or CHANNEL:ID).")] = None,
) -> list[dict[str, Any]]:
    """Returns, oldest first, with their lines."""
    with state.hub.engine.connect() as conn:
        return returns.list_returns(conn, order)
