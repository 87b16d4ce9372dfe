"""The payment, summary and fulfillment parts of an order as Medusa v2 returns them."""

from __future__ import annotations

from typing import Any

from sandbox.medusa.ids import stamp
from sandbox.medusa.model import Fulfillment, Money, Order
from sandbox.medusa.pricing import ZERO, js

Json = dict[str, Any]


def payment_collection_json(order: Order) -> Json:
    payment, code = order.payment, order.currency_code
    captured = payment.amount if payment.captured_at else ZERO
    refunded = captured if payment.canceled_at else ZERO
    status = "canceled" if payment.canceled_at and not captured else "completed" if captured else "authorized"
    captures = [] if payment.captured_at is None else [_capture(order)]
    return {
        "id": payment.collection_id,
        "currency_code": code,
        "amount": js(payment.amount),
        "authorized_amount": js(payment.amount),
        "captured_amount": js(captured),
        "refunded_amount": js(refunded),
        "status": status,
        "created_at": stamp(payment.created_at),
        "payments": [
            {
                "id": payment.id,
                "amount": js(payment.amount),
                "currency_code": code,
                "provider_id": payment.provider_id,
                "payment_collection_id": payment.collection_id,
                "data": {},
                "created_at": stamp(payment.created_at),
                "captured_at": stamp(payment.captured_at),
                "canceled_at": stamp(payment.canceled_at),
                "captures": captures,
                "refunds": [],
            }
        ],
    }


def _capture(order: Order) -> Json:
    payment = order.payment
    return {"id": payment.capture_id, "amount": js(payment.amount), "created_at": stamp(payment.captured_at)}


def summary_json(order: Order, money: list[Money]) -> Json:
    total = sum((m.total for m in money), ZERO)
    paid = total if order.payment.captured_at else ZERO
    refunded = paid if order.payment.canceled_at else ZERO
    current = ZERO if order.status == "canceled" else total
    return {
        "paid_total": js(paid),
        "refunded_total": js(refunded),
        "pending_difference": js(current - paid + refunded),
        "current_order_total": js(current),
        "original_order_total": js(total),
        "transaction_total": js(paid - refunded),
        "accounting_total": js(current),
    }


def fulfillment_json(fulfillment: Fulfillment, order: Order) -> Json:
    lines = {line.id: line for line in order.lines}
    created = stamp(fulfillment.created_at)
    items = [
        {
            "id": item_id,
            "line_item_id": line_id,
            "quantity": quantity,
            "title": lines[line_id].variant.product_title,
            "sku": lines[line_id].variant.sku,
            "inventory_item_id": lines[line_id].variant.inventory_item_id,
            "fulfillment_id": fulfillment.id,
        }
        for line_id, (item_id, quantity) in fulfillment.items.items()
    ]
    labels = [
        {"id": lb.id, "tracking_number": lb.tracking_number, "tracking_url": lb.tracking_url, "label_url": lb.label_url}
        for lb in fulfillment.labels
    ]
    return {
        "id": fulfillment.id,
        "location_id": fulfillment.location_id,
        "provider_id": "manual_manual",
        "shipping_option_id": None,
        "packed_at": created,
        "shipped_at": stamp(fulfillment.shipped_at),
        "delivered_at": None,
        "canceled_at": None,
        "requires_shipping": True,
        "data": {},
        "metadata": fulfillment.metadata,
        "created_at": created,
        "updated_at": stamp(fulfillment.shipped_at) or created,
        "items": items,
        "labels": labels,
    }
