"""An order as Medusa v2 returns it: every field and relation, amounts as JS numbers in major units."""

from __future__ import annotations

from typing import Any

from sandbox.medusa.ids import stamp
from sandbox.medusa.model import Address, Line, Money, Order, ShippingMethod, Tax
from sandbox.medusa.order_parts import fulfillment_json, payment_collection_json, summary_json
from sandbox.medusa.ordering import fulfillment_status, payment_status
from sandbox.medusa.pricing import js, js_sum, js_times

Json = dict[str, Any]


def order_json(order: Order) -> Json:
    """The whole order; `fields` decides later which parts a response shows."""
    lines, methods = order.lines, order.shipping_methods
    money = [line.money for line in lines] + [m.money for m in methods]
    line_money, method_money = [line.money for line in lines], [m.money for m in methods]
    return {
        "id": order.id,
        "display_id": order.display_id,
        "custom_display_id": None,
        "status": order.status,
        "version": order.version,
        "locale": None,
        "metadata": order.metadata,
        "is_draft_order": False,
        "email": order.email,
        "currency_code": order.currency_code,
        "region_id": order.region_id,
        "sales_channel_id": order.sales_channel_id,
        "customer_id": order.customer_id,
        "payment_status": payment_status(order),
        "fulfillment_status": fulfillment_status(order),
        "created_at": stamp(order.created_at),
        "updated_at": stamp(order.updated_at),
        "canceled_at": stamp(order.canceled_at),
        "items": [_item(line, order) for line in lines],
        "shipping_methods": [_method(method, order) for method in methods],
        "shipping_address": _address(order.shipping_address, order),
        "billing_address": _address(order.billing_address, order),
        "payment_collections": [payment_collection_json(order)],
        "fulfillments": [fulfillment_json(f, order) for f in order.fulfillments],
        "summary": summary_json(order, money),
        **_totals(money, prefix=""),
        **_totals(line_money, prefix="item_"),
        **_totals(method_money, prefix="shipping_"),
        "gift_card_total": 0,
        "gift_card_tax_total": 0,
    }


def _totals(money: list[Money], *, prefix: str) -> Json:
    def add(name: str) -> float | int:
        return js_sum(getattr(m, name) for m in money)

    return {
        f"{prefix}subtotal": add("subtotal"),
        f"{prefix}discount_total": add("discount_total"),
        f"{prefix}discount_subtotal": add("discount_subtotal"),
        f"{prefix}discount_tax_total": add("discount_tax_total"),
        f"{prefix}tax_total": add("tax_total"),
        f"{prefix}total": add("total"),
        f"original_{prefix}total": add("original_total"),
        f"original_{prefix}tax_total": add("original_tax_total"),
    }


def _line_totals(money: Money, subtotal: float | int) -> Json:
    return {
        "subtotal": subtotal,
        "discount_total": js(money.discount_total),
        "discount_subtotal": js(money.discount_subtotal),
        "discount_tax_total": js(money.discount_tax_total),
        "tax_total": js(money.tax_total),
        "original_tax_total": js(money.original_tax_total),
        "total": js_sum([money.subtotal, -money.discount_subtotal, money.tax_total]),
        "original_total": js_sum([money.subtotal, money.original_tax_total]),
    }


def _item(line: Line, order: Order) -> Json:
    variant, at = line.variant, stamp(line.created_at)
    exclusive_gross = js_times(line.unit_price, line.quantity)
    subtotal = js(line.money.subtotal) if line.is_tax_inclusive else exclusive_gross
    adjustments = [] if line.discount is None else [_adjustment(line)]
    return {
        "id": line.id,
        "title": variant.product_title,
        "subtitle": variant.title,
        "thumbnail": None,
        "variant_id": variant.id,
        "product_id": variant.product_id,
        "product_title": variant.product_title,
        "product_handle": variant.product_title.lower().replace(" ", "-"),
        "variant_sku": variant.sku,
        "variant_title": variant.title,
        "variant_barcode": None,
        "requires_shipping": variant.requires_shipping,
        "is_discountable": True,
        "is_tax_inclusive": line.is_tax_inclusive,
        "is_custom_price": False,
        "compare_at_unit_price": None,
        "unit_price": js(line.unit_price),
        "quantity": line.quantity,
        "metadata": {},
        "created_at": at,
        "updated_at": at,
        "tax_lines": [_tax_line(line.tax, line.tax_line_id, line.money, item_id=line.id)],
        "adjustments": adjustments,
        "detail": _detail(line, order),
        "variant": {"id": variant.id, "sku": variant.sku, "title": variant.title, "product_id": variant.product_id},
        **_line_totals(line.money, subtotal),
        "refundable_total": js(line.money.total) if order.payment.captured_at else 0,
    }


def _detail(line: Line, order: Order) -> Json:
    return {
        "id": line.id.replace("ordli_", "orditem_"),
        "item_id": line.id,
        "version": order.version,
        "quantity": line.quantity,
        "fulfilled_quantity": line.fulfilled_quantity,
        "shipped_quantity": line.shipped_quantity,
        "delivered_quantity": 0,
        "return_requested_quantity": 0,
        "return_received_quantity": 0,
        "return_dismissed_quantity": 0,
        "written_off_quantity": 0,
    }


def _tax_line(tax: Tax, tax_line_id: str, money: Money, **owner: str) -> Json:
    return {
        "id": tax_line_id,
        "code": tax.code,
        "rate": js(tax.rate),
        "description": tax.description,
        "provider_id": "tp_system",
        "tax_rate_id": None,
        **owner,
        "total": js(money.tax_total),
        "subtotal": js(money.original_tax_total),
    }


def _adjustment(line: Line) -> Json:
    assert line.discount is not None
    return {
        "id": line.adjustment_id,
        "code": line.discount.code,
        "amount": js(line.discount.amount),
        "promotion_id": line.discount.promotion_id,
        "item_id": line.id,
        "provider_id": None,
        "description": None,
        "is_tax_inclusive": line.is_tax_inclusive,
    }


def _method(method: ShippingMethod, order: Order) -> Json:
    return {
        "id": method.id,
        "order_id": order.id,
        "name": method.name,
        "amount": js(method.amount),
        "is_tax_inclusive": method.is_tax_inclusive,
        "shipping_option_id": None,
        "data": {},
        "metadata": None,
        "tax_lines": [_tax_line(method.tax, method.tax_line_id, method.money, shipping_method_id=method.id)],
        "adjustments": [],
        **_line_totals(method.money, js(method.money.subtotal)),
    }


def _address(address: Address, order: Order) -> Json:
    return {
        "id": address.id,
        "customer_id": None,
        "company": address.company,
        "first_name": address.first_name,
        "last_name": address.last_name,
        "address_1": address.address_1,
        "address_2": "",
        "city": address.city,
        "province": None,
        "postal_code": address.postal_code,
        "country_code": address.country_code,
        "phone": address.phone,
        "metadata": None,
        "created_at": stamp(order.created_at),
        "updated_at": stamp(order.created_at),
    }
