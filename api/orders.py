"""Orders: intake (operator), listing and one order in full (read), releasing a held order (operator)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Response
from fastapi import status as http

from api.auth import OPERATOR_REFUSALS, READ_REFUSALS, Operator, Reader
from api.intake import Outcome, Result, take_in
from api.params import ChannelFilter, Limit, OrderRef, Since
from api.schemas import (
    BatchOutcome,
    FulfillmentReleased,
    IntakeOutcome,
    OrderBody,
    OrderDetail,
    OrderPage,
    OrderSummary,
    Problem,
    ReleaseOutcome,
)
from api.state import ApiState, State
from core import fulfillment_holds, holds, payments, queries
from core.model import OrderStatus

router = APIRouter(tags=["orders"], responses=READ_REFUSALS)

MAX_BATCH = 1000
IntakeChannel = Annotated[
    str,
    Query(
        min_length=1,
        max_length=100,
        description="The sales channel the orders belong to, as configured under [channels]; intake is idempotent"
        " by (channel, external_id).",
    ),
]
_STATUS = {
    Result.created: http.HTTP_201_CREATED,
    Result.updated: http.HTTP_200_OK,
    Result.unchanged: http.HTTP_200_OK,
    Result.quarantined: http.HTTP_202_ACCEPTED,
}
EXAMPLE = {
    "external_id": "1001",
    "display_number": "#1001",
    "payment_status": "authorized",
    "currency": "EUR",
    "placed_at": "2026-11-20T09:14:03+01:00",
    "customer": {"email": "mia.keller@example.com", "first_name": "Mia", "last_name": "Keller"},
    "lines": [{"line_id": "l1", "sku": "TEE-BLK-M", "title": "Tee black M", "quantity": 2, "unit_price": 2500}],
    "shipping_total": 495,
    "totals": {"total": 5495},
}
_UNKNOWN: dict[int | str, dict[str, Any]] = {
    **OPERATOR_REFUSALS,
    404: {"model": Problem, "description": "The channel is not configured."},
}


@router.post(
    "/orders",
    response_model=IntakeOutcome,
    responses={
        200: {"model": IntakeOutcome, "description": "Updated, or unchanged (already known in this version)."},
        202: {"model": IntakeOutcome, "description": "Quarantined: kept with the reason it cannot be taken in."},
        **_UNKNOWN,
    },
    status_code=http.HTTP_201_CREATED,
)
def post_order(
    order: Annotated[OrderBody, Body(openapi_examples={"order": {"summary": "A paid order", "value": EXAMPLE}})],
    channel: IntakeChannel,
    state: State,
    caller: Operator,
    response: Response,
) -> IntakeOutcome:
    """Take in one canonical order (the schema `omshub orders schema` prints) through the same intake as the
    channel pulls: created (201), updated or unchanged (200), or quarantined with its reason (202)."""
    [outcome] = _take_in(state, channel, [order])
    response.status_code = _STATUS[outcome.result]
    return IntakeOutcome(**asdict(outcome))


@router.post("/orders/batch", response_model=BatchOutcome, responses=_UNKNOWN)
def post_batch(
    orders: Annotated[
        list[OrderBody],
        Body(
            min_length=1,
            max_length=MAX_BATCH,
            openapi_examples={"orders": {"summary": "One order", "value": [EXAMPLE]}},
        ),
    ],
    channel: IntakeChannel,
    state: State,
    caller: Operator,
) -> BatchOutcome:
    """Take in many canonical orders, a page (one transaction) at a time, as `omshub orders import` does;
    one result per order in the order sent. A body with an order that is not canonical is refused whole (422,
    naming the order's index and field), so a corrected batch can be sent again as it is."""
    outcomes = _take_in(state, channel, orders)
    counts = {r.value: sum(o.result is r for o in outcomes) for r in Result}
    return BatchOutcome(results=[IntakeOutcome(**asdict(o)) for o in outcomes], **counts)


@router.get("/orders", response_model=OrderPage)
def list_orders(
    state: State,
    caller: Reader,
    channel: ChannelFilter = None,
    status: Annotated[OrderStatus | None, Query(description="Only orders in this status.")] = None,
    updated_since: Annotated[Since | None, Query(description="Only orders changed at or after this time.")] = None,
    cursor: Annotated[
        str | None, Query(pattern=r"^[0-9]{1,18}$", description="The next_cursor of the previous page.")
    ] = None,
    limit: Limit = 50,
) -> OrderPage:
    """Orders, newest first (by hub id), a page at a time; pages stay stable while orders change."""
    with state.hub.engine.connect() as conn:
        rows = queries.list_orders(
            conn,
            channel=channel,
            status=status.value if status else None,
            updated_since=updated_since,
            before_id=int(cursor) if cursor else None,
            limit=limit + 1,
        )
    page = [OrderSummary(**row) for row in rows[:limit]]
    return OrderPage(orders=page, next_cursor=str(page[-1].id) if len(rows) > limit else None)


@router.get("/orders/{ref}", response_model=OrderDetail, responses={404: {"model": Problem}})
def get_order(ref: OrderRef, state: State, caller: Reader) -> dict[str, Any]:
    """One order with its lines, reservations, fulfillment requests and shipments, payments, and history."""
    with state.hub.engine.connect() as conn:
        order = queries.get_order(conn, ref)
        order["fulfillment"] = queries.order_fulfillment(conn, order["id"])
        order["payments"] = payments.statement(conn, order["id"])
        order["history"] = queries.order_history(conn, order["id"])
    return order


@router.post(
    "/orders/{ref}/release",
    response_model=ReleaseOutcome,
    responses={
        **OPERATOR_REFUSALS,
        404: {"model": Problem},
        409: {"model": Problem, "description": "The order is not held."},
    },
)
def release(ref: OrderRef, state: State, caller: Operator) -> ReleaseOutcome:
    """Try again to reserve stock for a held order (requires_action for want of stock), as reconcile does: the
    held orders of its channel that stock now covers are reserved and released; this one says if it was."""
    with state.hub.engine.begin() as conn:
        order = queries.get_order(conn, ref)
        if order["status"] != holds.HELD or order["hold_reason"] is None:
            raise HTTPException(http.HTTP_409_CONFLICT, f"order {ref} is not held for stock ({order['status']})")
        released = holds.retry_held(conn, order["channel"], state.hub.clock.now())
        after = queries.get_order(conn, str(order["id"]))
    return ReleaseOutcome(
        order_id=after["id"],
        released=after["status"] != holds.HELD,
        status=after["status"],
        hold_reason=after["hold_reason"],
        released_in_channel=released,
    )


@router.post(
    "/orders/{ref}/fulfillment/release",
    response_model=FulfillmentReleased,
    responses={
        **OPERATOR_REFUSALS,
        404: {"model": Problem},
        409: {"model": Problem, "description": "The order's fulfillment is not held."},
    },
)
def release_fulfillment(ref: OrderRef, state: State, caller: Operator) -> FulfillmentReleased:
    """Release the hold on an order's fulfillment once its reason is dealt with (units that left after the channel
    canceled them, a change the warehouse could not take), as `omshub orders release-fulfillment` does."""
    with state.hub.engine.begin() as conn:
        status = fulfillment_holds.release(conn, ref, state.hub.clock.now())
        after = queries.get_order(conn, ref)
    return FulfillmentReleased(order_id=after["id"], fulfillment_status=status.value, hold_reason=after["hold_reason"])


def _take_in(state: ApiState, channel: str, orders: list[Any]) -> list[Outcome]:
    if channel not in state.hub.config.channels:
        raise HTTPException(http.HTTP_404_NOT_FOUND, f"channel {channel!r} is not configured; add [channels.{channel}]")
    outcomes = take_in(state.hub.engine, channel, orders, clock=state.hub.clock)
    for outcome in outcomes:
        state.counters.orders.labels(channel=channel, result=outcome.result.value).inc()
    return outcomes
