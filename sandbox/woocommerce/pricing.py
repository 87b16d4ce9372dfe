"""Price a cart as WooCommerce does (prices ex-tax): coupons spread over lines, taxes per line, exact totals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, Literal

from sandbox.shopify.money import ZERO, quantize, spread, text
from sandbox.woocommerce.catalog import Item, attribute_slug, slug

HUNDRED = Decimal(100)
NewId = Callable[[str], int]


@dataclass(frozen=True, slots=True)
class TaxRate:
    id: int
    code: str  # "DE-MWST-1"
    label: str
    rate: Decimal  # 0.19


@dataclass(frozen=True, slots=True)
class Coupon:
    code: str  # stored lower-case
    kind: Literal["percent", "fixed_cart"]
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ShippingMethod:
    method_id: str
    title: str
    instance_id: str
    cost: Decimal


@dataclass(frozen=True, slots=True)
class Fee:
    name: str
    amount: Decimal  # negative fees are ad-hoc discounts
    taxable: bool


@dataclass(frozen=True, slots=True)
class CartLine:
    item: Item  # a simple product or a variation
    quantity: int
    parent: Item | None = None  # the variable product of a variation


@dataclass(frozen=True, slots=True)
class Cart:
    lines: tuple[CartLine, ...]
    rate: TaxRate | None
    coupon: Coupon | None = None
    shipping: ShippingMethod | None = None
    fees: tuple[Fee, ...] = ()


@dataclass(frozen=True, slots=True)
class Line:
    subtotal: Decimal
    total: Decimal
    subtotal_tax: Decimal
    total_tax: Decimal


def plain(amount: Decimal) -> str:
    """An unformatted decimal string, as per-line `taxes[]` carry them: "0.9", "12"."""
    return "0" if amount == 0 else format(amount.normalize(), "f")


def number(amount: Decimal) -> Decimal:
    """A JSON number without trailing zeros, as PHP's floats print (34 rather than 34.00)."""
    return amount.quantize(Decimal("0.000001")).normalize() if amount else Decimal(0)


def price_cart(cart: Cart, currency: str, new_id: NewId) -> dict[str, Any]:
    """The money part of an order: lines, tax/shipping/fee/coupon lines and totals, consistent to the cent."""
    lines = _lines(cart, currency)
    rate = cart.rate
    shipping = ZERO if cart.shipping is None else quantize(cart.shipping.cost, currency)
    shipping_tax = _tax(shipping, rate, currency, taxable=True)
    fees = [(fee, quantize(fee.amount, currency)) for fee in cart.fees]
    fee_taxes = [_tax(amount, rate, currency, taxable=fee.taxable) for fee, amount in fees]
    cart_tax = sum((ln.total_tax for ln in lines), ZERO) + sum(fee_taxes, ZERO)
    discount = sum((ln.subtotal - ln.total for ln in lines), ZERO)
    money = partial(text, currency=currency)
    goods = sum((ln.total for ln in lines), ZERO) + sum((amount for _, amount in fees), ZERO)
    return {
        "discount_total": money(discount),
        "discount_tax": money(sum((ln.subtotal_tax - ln.total_tax for ln in lines), ZERO)),
        "shipping_total": money(shipping),
        "shipping_tax": money(shipping_tax),
        "cart_tax": money(cart_tax),
        "total": money(goods + shipping + cart_tax + shipping_tax),
        "total_tax": money(cart_tax + shipping_tax),
        "line_items": [_line_json(c, ln, rate, currency, new_id) for c, ln in zip(cart.lines, lines, strict=True)],
        "tax_lines": _tax_lines(rate, cart_tax, shipping_tax, currency, new_id),
        "shipping_lines": _shipping_lines(cart.shipping, shipping, shipping_tax, rate, currency, new_id),
        "fee_lines": [
            _fee_json(fee, amount, tax, rate, currency, new_id)
            for (fee, amount), tax in zip(fees, fee_taxes, strict=True)
        ],
        "coupon_lines": _coupon_lines(cart.coupon, lines, currency, new_id),
    }


def _lines(cart: Cart, currency: str) -> list[Line]:
    subtotals = [quantize(c.item.price * c.quantity, currency) for c in cart.lines]
    eligible = [s if c.item.taxable else ZERO for c, s in zip(cart.lines, subtotals, strict=True)]
    discounts = spread(_discount(cart.coupon, sum(eligible, ZERO), currency), eligible, currency)
    lines = []
    for c, subtotal, off in zip(cart.lines, subtotals, discounts, strict=True):
        total = subtotal - off
        taxable = c.item.taxable
        lines.append(
            Line(
                subtotal,
                total,
                _tax(subtotal, cart.rate, currency, taxable=taxable),
                _tax(total, cart.rate, currency, taxable=taxable),
            )
        )
    return lines


def _discount(coupon: Coupon | None, base: Decimal, currency: str) -> Decimal:
    if coupon is None:
        return ZERO
    if coupon.kind == "percent":
        return quantize(base * coupon.amount / HUNDRED, currency)
    return min(quantize(coupon.amount, currency), base)


def _tax(amount: Decimal, rate: TaxRate | None, currency: str, *, taxable: bool) -> Decimal:
    return quantize(amount * rate.rate, currency) if taxable and rate is not None else ZERO


def _taxes(rate: TaxRate | None, total: Decimal, subtotal: Decimal | None) -> list[dict[str, Any]]:
    if rate is None:
        return []
    return [{"id": rate.id, "total": plain(total), "subtotal": "" if subtotal is None else plain(subtotal)}]


def _line_json(c: CartLine, line: Line, rate: TaxRate | None, currency: str, new_id: NewId) -> dict[str, Any]:
    item, parent = c.item, c.parent
    meta = []
    if parent is not None:
        meta.append(
            {
                "id": new_id("meta"),
                "key": attribute_slug(item.attribute),
                "value": slug(item.option),
                "display_key": item.attribute,
                "display_value": item.option,
            }
        )
    return {
        "id": new_id("order_item"),
        "name": item.name if parent is None else f"{parent.name} &ndash; {item.option}",
        "product_id": item.id if parent is None else parent.id,
        "variation_id": 0 if parent is None else item.id,
        "quantity": c.quantity,
        "tax_class": "",
        "subtotal": text(line.subtotal, currency),
        "subtotal_tax": text(line.subtotal_tax, currency),
        "total": text(line.total, currency),
        "total_tax": text(line.total_tax, currency),
        "taxes": _taxes(rate if item.taxable else None, line.total_tax, line.subtotal_tax),
        "meta_data": meta,
        "sku": item.sku,
        "price": number(line.total / c.quantity),
        "image": {"id": "", "src": ""},
        "parent_name": None if parent is None else parent.name,
    }


def _tax_lines(
    rate: TaxRate | None, cart_tax: Decimal, shipping_tax: Decimal, currency: str, new_id: NewId
) -> list[dict[str, Any]]:
    if rate is None or (cart_tax == 0 and shipping_tax == 0):
        return []
    return [
        {
            "id": new_id("order_item"),
            "rate_code": rate.code,
            "rate_id": rate.id,
            "label": rate.label,
            "compound": False,
            "tax_total": text(cart_tax, currency),
            "shipping_tax_total": text(shipping_tax, currency),
            "rate_percent": number(rate.rate * HUNDRED),
            "meta_data": [],
        }
    ]


def _shipping_lines(
    method: ShippingMethod | None, total: Decimal, tax: Decimal, rate: TaxRate | None, currency: str, new_id: NewId
) -> list[dict[str, Any]]:
    if method is None:
        return []
    line = {
        "id": new_id("order_item"),
        "method_title": method.title,
        "method_id": method.method_id,
        "instance_id": method.instance_id,
        "total": text(total, currency),
        "total_tax": text(tax, currency),
        "taxes": _taxes(rate, tax, None),
        "meta_data": [],
    }
    return [line]


def _fee_json(
    fee: Fee, amount: Decimal, tax: Decimal, rate: TaxRate | None, currency: str, new_id: NewId
) -> dict[str, Any]:
    return {
        "id": new_id("order_item"),
        "name": fee.name,
        "tax_class": "",
        "tax_status": "taxable" if fee.taxable else "none",
        "amount": plain(amount),
        "total": text(amount, currency),
        "total_tax": text(tax, currency),
        "taxes": _taxes(rate if fee.taxable else None, tax, None),
        "meta_data": [],
    }


def _coupon_lines(coupon: Coupon | None, lines: list[Line], currency: str, new_id: NewId) -> list[dict[str, Any]]:
    if coupon is None:
        return []
    discount = sum((ln.subtotal - ln.total for ln in lines), ZERO)
    discount_tax = sum((ln.subtotal_tax - ln.total_tax for ln in lines), ZERO)
    line = {
        "id": new_id("order_item"),
        "code": coupon.code.lower(),
        "discount": text(discount, currency),
        "discount_tax": text(discount_tax, currency),
        "meta_data": [],
    }
    return [line]
