"""What the API takes and answers: the canonical order as request body, and the shapes of its answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidatorFunctionWrapHandler, WrapValidator

from api import storable
from api.intake import Result
from core.model import CanonicalOrder


def _storable_order(value: Any, handler: ValidatorFunctionWrapHandler) -> CanonicalOrder:
    try:
        order: CanonicalOrder = handler(value)
    except OverflowError:
        raise ValueError("a date is out of range once converted to UTC") from None
    found = storable.problems(order)
    if found:
        raise ValueError("; ".join(found))
    return order


OrderBody = Annotated[CanonicalOrder, WrapValidator(_storable_order)]
"""A canonical order (the schema `omshub orders schema` prints) whose values also fit the store."""


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Problem(_Out):
    detail: str


class IntakeOutcome(_Out):
    result: Result = Field(description="created, updated, unchanged, or quarantined (kept with its reason)")
    external_id: str | None
    order_id: int | None = Field(description="the hub id; none for a quarantined order")
    status: str | None = Field(description="the order's status after intake (requires_action: held for stock)")
    hold_reason: str | None
    reason: str | None = Field(description="why the order was quarantined")


class BatchOutcome(_Out):
    results: list[IntakeOutcome] = Field(description="one per order, in the order they were sent")
    created: int
    updated: int
    unchanged: int
    quarantined: int


class OrderSummary(_Out):
    id: int
    channel: str
    external_id: str
    display_number: str | None
    status: str
    payment_status: str
    fulfillment_status: str
    currency: str
    total: int = Field(description="minor units of the currency")
    placed_at: datetime
    updated_at: datetime
    hold_reason: str | None
    fulfillment_hold: str | None = Field(
        description="why the order's fulfillment waits on a person (omshub orders release-fulfillment frees it)"
    )


class OrderPage(_Out):
    orders: list[OrderSummary]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; none on the last page")


class OrderLineOut(_Out):
    line_key: str
    position: int
    sku: str | None
    title: str
    quantity: int
    unit_price: int
    discount: int
    order_discount_share: int
    tax_total: int
    tax_lines: list[dict[str, Any]]
    fulfilled_quantity: int
    shipped_quantity: int
    returned_quantity: int
    canceled_quantity: int
    backordered_quantity: int


class ReservationOut(_Out):
    line_key: str
    sku: str
    location: str
    quantity: int


class FulfillmentRequestOut(_Out):
    reference: str
    provider: str
    location: str
    status: str
    provider_ref: str | None
    lines: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


class ShipmentOut(_Out):
    reference: str
    location: str
    lines: Any
    tracking: Any
    created_at: datetime


class FulfillmentOut(_Out):
    requests: list[FulfillmentRequestOut]
    shipments: list[ShipmentOut]


class PaymentOperationOut(_Out):
    reference: str
    kind: str
    processor: str
    amount: int
    currency: str
    status: str
    cause: str
    reason: str | None
    created_at: datetime
    updated_at: datetime


class PaymentsOut(_Out):
    payment_status: str
    payment_reference: str | None
    total: int
    authorized_total: int | None
    captured_total: int
    refunded_total: int
    refundable: int
    authorization_expires_at: datetime | None
    operations: list[PaymentOperationOut]


class EventOut(_Out):
    id: int
    topic: str
    status: str
    created_at: datetime
    finished_at: datetime | None
    payload: dict[str, Any]


class OrderDetail(OrderSummary):
    upstream_updated_at: datetime
    upstream_version: int | None
    customer_email: str | None
    customer_name: str | None
    customer_phone: str | None
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    notes: str | None
    payment_reference: str | None
    taxes_included: bool
    subtotal: int
    discount_total: int
    shipping_total: int
    shipping_tax: int
    tax_total: int
    created_at: datetime
    lines: list[OrderLineOut]
    reservations: list[ReservationOut]
    fulfillment: FulfillmentOut
    payments: PaymentsOut
    history: list[EventOut] = Field(description="the events recorded for the order, oldest first")


class FulfillmentReleased(_Out):
    order_id: int
    fulfillment_status: str = Field(description="what the order's lines say now")
    hold_reason: str | None = Field(description="an order hold that remains (stock, payment), if any")


class ReleaseOutcome(_Out):
    order_id: int
    released: bool
    status: str
    hold_reason: str | None
    released_in_channel: int = Field(description="held orders of the channel released by this retry, this one included")
