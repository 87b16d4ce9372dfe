"""Order edits, exchanges and claims: requested and acted on (operator), listed (read). The same core
functions as `omshub edits|exchanges|claims`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query
from fastapi import status as http
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth import OPERATOR_REFUSALS, READ_REFUSALS, Operator, Reader
from api.drafts import by
from api.params import ORDER_REF, PRINTABLE, OrderRef
from api.returns import AskedLine, LineRef, Location, Return, each_once
from api.schemas import Problem
from api.state import State
from core import edits, order_changes, queries
from core.edits import NewLine
from core.exchanges import ClaimType, create_claim, create_exchange
from core.order_changes import ChangeKind, ChangeStatus

router = APIRouter(tags=["order changes"], responses=READ_REFUSALS)

Text = Annotated[str, Field(min_length=1, max_length=4000, pattern=PRINTABLE)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=PRINTABLE, description="A reason code.")]
ChangeRef = Annotated[str, Path(min_length=1, max_length=64, description="The change's reference (edit-ORDER-N).")]
OrderFilter = Annotated[str | None, Query(pattern=ORDER_REF, description="Only this order's (id or CHANNEL:ID).")]
_ACTS: dict[int | str, dict[str, Any]] = {
    **OPERATOR_REFUSALS,
    404: {"model": Problem, "description": "No such order, change or stock location."},
    409: {"model": Problem, "description": "It does not fit the order or the change's state."},
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NewLineIn(_In):
    sku: str = Field(min_length=1, max_length=255, pattern=PRINTABLE)
    quantity: int = Field(ge=1, le=2**31 - 1)
    unit_price: int = Field(ge=0, le=2**53, description="Minor units of the order's currency, per unit.")
    title: str = Field(default="", max_length=1000, pattern=PRINTABLE)
    tax_rate: str | None = Field(
        default=None, pattern=r"^0(\.[0-9]{1,6})?$", description="A decimal fraction, e.g. 0.19 for 19 %."
    )

    def line(self) -> NewLine:
        return NewLine(self.sku, self.quantity, self.unit_price, self.title, self.tax_rate)


class QuantityIn(_In):
    line: LineRef
    quantity: int = Field(ge=0, le=2**31 - 1, description="The line's new quantity; 0 removes it.")


class EditAsked(_In):
    add: list[NewLineIn] = Field(default_factory=list, max_length=1000)
    quantities: list[QuantityIn] = Field(default_factory=list, max_length=1000, description="Each line once.")
    note: Text | None = None

    @field_validator("quantities")
    @classmethod
    def _each_line_once(cls, lines: list[QuantityIn]) -> list[QuantityIn]:
        return each_once(lines)


class Declined(_In):
    reason: Text | None = None


class ExchangeAsked(_In):
    returned: list[AskedLine] = Field(min_length=1, max_length=1000, description="Shipped units coming back.")
    add: list[NewLineIn] = Field(min_length=1, max_length=1000, description="The new lines in their place.")
    reason: Code | None = None
    note: Text | None = None
    location: Location | None = Field(default=None, description="Where the returned units come back to.")

    @field_validator("returned")
    @classmethod
    def _each_line_once(cls, lines: list[AskedLine]) -> list[AskedLine]:
        return each_once(lines)


class ClaimAsked(_In):
    type: Literal["refund", "replace"] = Field(description="refund: money back now; replace: sent again, free.")
    lines: list[AskedLine] = Field(min_length=1, max_length=1000, description="Shipped units the claim is about.")
    with_return: bool = Field(default=False, description="Ask the units back too (never refunded twice).")
    reason: Code | None = None
    note: Text | None = None
    location: Location | None = None

    @field_validator("lines")
    @classmethod
    def _each_line_once(cls, lines: list[AskedLine]) -> list[AskedLine]:
        return each_once(lines)


class Change(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: int
    reference: str
    order_id: int
    kind: ChangeKind
    status: ChangeStatus
    claim_type: str | None
    actions: list[dict[str, Any]] = Field(description="add a line, or set_quantity of one")
    total_before: int
    total_after: int
    difference: int = Field(description="total_after − total_before, minor units")
    return_reference: str | None
    payment_reference: str | None = Field(description="the refund or charge this change queued")
    fulfillment: str | None = Field(description="what the warehouse was told, for an order already released")
    reason: str | None
    note: str | None
    requested_by: str
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None
    difference_due: int | None = Field(default=None, description="an exchange: new lines less the returned units")
    claimed_value: int | None = Field(default=None, description="a claim: what the claimed units cost")
    returned: Return | None = Field(default=None, validation_alias="return", description="the return it opened")


@router.post("/orders/{ref}/edits", response_model=Change, status_code=http.HTTP_201_CREATED, responses=_ACTS)
def request_edit(ref: OrderRef, asked: Annotated[EditAsked, Body()], state: State, caller: Operator) -> dict[str, Any]:
    """Ask for an edit of an order not fully shipped; nothing changes until it is confirmed."""
    with state.hub.engine.begin() as conn:
        return edits.request(
            conn,
            ref,
            state.hub.clock.now(),
            add=[line.line() for line in asked.add],
            quantities={q.line: q.quantity for q in asked.quantities},
            note=asked.note,
            requested_by=by(caller),
        )


@router.post("/edits/{reference}/confirm", response_model=Change, responses=_ACTS)
def confirm_edit(reference: ChangeRef, state: State, caller: Operator) -> dict[str, Any]:
    """Apply the edit: totals from the lines, reservations adjusted, the difference refunded or charged, added
    units of an order already released sent to its warehouse."""
    with state.hub.engine.begin() as conn:
        order = queries.get_order(conn, str(order_changes.get(conn, reference)["order_id"]))
        return edits.confirm(conn, reference, state.hub.change_effects(order["channel"]), state.hub.clock.now())


@router.post("/edits/{reference}/decline", response_model=Change, responses=_ACTS)
def decline_edit(
    reference: ChangeRef, state: State, caller: Operator, declined: Annotated[Declined | None, Body()] = None
) -> dict[str, Any]:
    """The customer (or the shop) declined the edit: nothing of it applies."""
    with state.hub.engine.begin() as conn:
        return edits.decline(conn, reference, state.hub.clock.now(), reason=declined.reason if declined else None)


@router.post("/edits/{reference}/cancel", response_model=Change, responses=_ACTS)
def cancel_edit(reference: ChangeRef, state: State, caller: Operator) -> dict[str, Any]:
    """Withdraw a requested edit."""
    with state.hub.engine.begin() as conn:
        return edits.cancel(conn, reference, state.hub.clock.now())


@router.post("/orders/{ref}/exchanges", response_model=Change, status_code=http.HTTP_201_CREATED, responses=_ACTS)
def exchange(ref: OrderRef, asked: Annotated[ExchangeAsked, Body()], state: State, caller: Operator) -> dict[str, Any]:
    """Shipped units come back, new lines go out in their place; the difference is charged now or refunded when
    the return is received."""
    with state.hub.engine.begin() as conn:
        order = queries.get_order(conn, ref)
        return create_exchange(
            conn,
            ref,
            {line.line: line.quantity for line in asked.returned},
            [line.line() for line in asked.add],
            state.hub.change_effects(order["channel"]),
            state.hub.clock.now(),
            reason=asked.reason,
            note=asked.note,
            location=asked.location,
            requested_by=by(caller),
        )


@router.post("/orders/{ref}/claims", response_model=Change, status_code=http.HTTP_201_CREATED, responses=_ACTS)
def claim(ref: OrderRef, asked: Annotated[ClaimAsked, Body()], state: State, caller: Operator) -> dict[str, Any]:
    """A problem with delivered goods: refunded at once, or the units sent again at no charge."""
    with state.hub.engine.begin() as conn:
        order = queries.get_order(conn, ref)
        return create_claim(
            conn,
            ref,
            ClaimType(asked.type),
            {line.line: line.quantity for line in asked.lines},
            state.hub.change_effects(order["channel"]),
            state.hub.clock.now(),
            with_return=asked.with_return,
            reason=asked.reason,
            note=asked.note,
            location=asked.location,
            requested_by=by(caller),
        )


@router.get("/edits", response_model=list[Change], responses={404: {"model": Problem}})
def list_edits(state: State, caller: Reader, order: OrderFilter = None) -> list[dict[str, Any]]:
    """Order edits, oldest first."""
    return _list(state, order, ChangeKind.edit)


@router.get("/exchanges", response_model=list[Change], responses={404: {"model": Problem}})
def list_exchanges(state: State, caller: Reader, order: OrderFilter = None) -> list[dict[str, Any]]:
    """Exchanges, oldest first."""
    return _list(state, order, ChangeKind.exchange)


@router.get("/claims", response_model=list[Change], responses={404: {"model": Problem}})
def list_claims(state: State, caller: Reader, order: OrderFilter = None) -> list[dict[str, Any]]:
    """Claims, oldest first."""
    return _list(state, order, ChangeKind.claim)


def _list(state: State, order: str | None, kind: ChangeKind) -> list[dict[str, Any]]:
    with state.hub.engine.connect() as conn:
        return order_changes.list_changes(conn, order_ref=order, kind=kind)
