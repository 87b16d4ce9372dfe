"""Write a priced cart as Shopify REST order JSON: money as decimal strings, each with its `*_set` twin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sandbox.shopify.current import refresh
from sandbox.shopify.money import ZERO, Currencies, text
from sandbox.shopify.pricing import Cart, CartLine, Discount, Priced, PricedOrder

Order = dict[str, Any]
IdSource = Callable[[str], int]


@dataclass(frozen=True, slots=True)
class Header:
    """Everything about a new order except its lines and money."""

    id: int
    number: int
    created_at: str
    financial_status: str
    source_name: str
    gateway: str
    customer: dict[str, Any] | None
    email: str | None
    shipping_address: dict[str, Any] | None
    billing_address: dict[str, Any] | None
    note: str | None
    tags: str
    location_id: int | None


@dataclass(frozen=True, slots=True)
class Pricing:
    """The same cart priced in the shop currency and in the buyer's currency."""

    cart: Cart
    shop: PricedOrder
    presentment: PricedOrder
    currencies: Currencies

    def money(self, shop: Decimal, presentment: Decimal) -> dict[str, Any]:
        return self.currencies.money_set(shop, presentment)

    def pair(self, name: str, shop: Decimal, presentment: Decimal) -> dict[str, Any]:
        return {name: text(shop, self.currencies.shop), f"{name}_set": self.money(shop, presentment)}


def render_order(header: Header, pricing: Pricing, *, ids: IdSource) -> Order:
    shop, pres = pricing.shop, pricing.presentment
    order: Order = {
        "id": header.id,
        "admin_graphql_api_id": f"gid://shopify/Order/{header.id}",
        "name": f"#{header.number}",
        "order_number": header.number,
        "number": header.number - 1000,
        "created_at": header.created_at,
        "updated_at": header.created_at,
        "processed_at": header.created_at,
        "closed_at": None,
        "cancelled_at": None,
        "cancel_reason": None,
        "currency": pricing.currencies.shop,
        "presentment_currency": pricing.currencies.presentment,
        "financial_status": header.financial_status,
        "fulfillment_status": None,
        "confirmed": True,
        "test": False,
        "taxes_included": pricing.cart.taxes_included,
        "tax_exempt": False,
        "source_name": header.source_name,
        "payment_gateway_names": [header.gateway],
        "email": header.email,
        "contact_email": header.email,
        "phone": None,
        "customer": header.customer,
        "note": header.note,
        "note_attributes": [],
        "tags": header.tags,
        "location_id": header.location_id,
        "total_weight": sum(ln.grams * ln.quantity for ln in pricing.cart.lines),
        **pricing.pair("total_line_items_price", shop.line_items_price, pres.line_items_price),
        **pricing.pair("subtotal_price", shop.subtotal, pres.subtotal),
        **pricing.pair("total_discounts", shop.total_discounts, pres.total_discounts),
        **pricing.pair("total_tax", shop.total_tax, pres.total_tax),
        **pricing.pair("total_price", shop.total_price, pres.total_price),
        "total_shipping_price_set": pricing.money(*_shipping_gross(pricing)),
        "total_tip_received": text(ZERO, pricing.currencies.shop),
        "line_items": [_line(pricing, i, ids("line_item")) for i in range(len(pricing.cart.lines))],
        "shipping_lines": _shipping_lines(pricing, ids),
        "tax_lines": _order_tax_lines(pricing),
        "discount_codes": _discount_codes(pricing),
        "discount_applications": [_application(d, target) for d, target in pricing.cart.applications()],
        "refunds": [],
        "fulfillments": [],
    }
    _add_addresses(order, header)
    refresh(order)
    return order


def _add_addresses(order: Order, header: Header) -> None:
    """Shopify leaves the keys out when there is no address (digital goods, point of sale)."""
    if header.billing_address is not None:
        order["billing_address"] = header.billing_address
    if header.shipping_address is not None:
        order["shipping_address"] = header.shipping_address


def _line(pricing: Pricing, i: int, line_id: int) -> dict[str, Any]:
    cart_line: CartLine = pricing.cart.lines[i]
    shop, pres = pricing.shop.lines[i], pricing.presentment.lines[i]
    name = cart_line.title if cart_line.variant_title is None else f"{cart_line.title} - {cart_line.variant_title}"
    return {
        "id": line_id,
        "admin_graphql_api_id": f"gid://shopify/LineItem/{line_id}",
        "variant_id": cart_line.variant_id,
        "product_id": cart_line.product_id,
        "product_exists": cart_line.product_id is not None,
        "sku": cart_line.sku,
        "title": cart_line.title,
        "variant_title": cart_line.variant_title,
        "name": name,
        "vendor": cart_line.vendor,
        "quantity": cart_line.quantity,
        "grams": cart_line.grams,
        "fulfillment_service": "manual",
        "variant_inventory_management": None if cart_line.variant_id is None else "shopify",
        **pricing.pair("price", shop.price, pres.price),
        **pricing.pair("total_discount", ZERO, ZERO),
        "discount_allocations": _allocations(pricing, shop, pres),
        "tax_lines": _tax_lines(pricing, shop, pres),
        "taxable": cart_line.taxable,
        "requires_shipping": cart_line.requires_shipping,
        "gift_card": cart_line.gift_card,
        "properties": [{"name": k, "value": v} for k, v in cart_line.properties],
        "duties": [],
    }


def _allocations(pricing: Pricing, shop: Priced, pres: Priced) -> list[dict[str, Any]]:
    return [
        {"amount": text(a, pricing.currencies.shop), "amount_set": pricing.money(a, b), "discount_application_index": i}
        for (i, a), (_, b) in zip(shop.allocations, pres.allocations, strict=True)
    ]


def _tax_lines(pricing: Pricing, shop: Priced, pres: Priced) -> list[dict[str, Any]]:
    return [
        {"title": rate.title, "rate": rate.rate, "channel_liable": False, **pricing.pair("price", a, b)}
        for rate, a, b in zip(pricing.cart.taxes, shop.taxes, pres.taxes, strict=False)
    ]


def _order_tax_lines(pricing: Pricing) -> list[dict[str, Any]]:
    if not any(p.taxes for p in pricing.shop.parts()):
        return []
    return [
        {
            "title": rate.title,
            "rate": rate.rate,
            "channel_liable": False,
            **pricing.pair("price", pricing.shop.tax_total(k), pricing.presentment.tax_total(k)),
        }
        for k, rate in enumerate(pricing.cart.taxes)
    ]


def _shipping_gross(pricing: Pricing) -> tuple[Decimal, Decimal]:
    shop, pres = pricing.shop.shipping, pricing.presentment.shipping
    return (ZERO, ZERO) if shop is None or pres is None else (shop.price, pres.price)


def _shipping_lines(pricing: Pricing, ids: IdSource) -> list[dict[str, Any]]:
    rate, shop, pres = pricing.cart.shipping, pricing.shop.shipping, pricing.presentment.shipping
    if rate is None or shop is None or pres is None:
        return []
    line_id = ids("shipping_line")
    return [
        {
            "id": line_id,
            "title": rate.title,
            "code": rate.code,
            "source": "shopify",
            **pricing.pair("price", shop.price, pres.price),
            **pricing.pair("discounted_price", shop.net, pres.net),
            "tax_lines": _tax_lines(pricing, shop, pres),
            "discount_allocations": _allocations(pricing, shop, pres),
            "carrier_identifier": None,
            "is_removed": False,
        }
    ]


def _discount_codes(pricing: Pricing) -> list[dict[str, Any]]:
    codes = []
    for index, (discount, target) in enumerate(pricing.cart.applications()):
        if discount.kind == "discount_code":
            kind = "shipping" if target == "shipping_line" else discount.value_type
            total = text(pricing.shop.application_total(index), pricing.currencies.shop)
            codes.append({"code": discount.title, "amount": total, "type": kind})
    return codes


def _application(discount: Discount, target: str) -> dict[str, Any]:
    explicit = discount.kind == "manual"
    found: dict[str, Any] = {
        "type": discount.kind,
        "target_type": target,
        "value": format(discount.value, "f"),
        "value_type": discount.value_type,
        "allocation_method": "one" if explicit else ("each" if target == "shipping_line" else "across"),
        "target_selection": "explicit" if explicit else "all",
    }
    if explicit:
        return {**found, "title": discount.title, "description": discount.title}
    return {**found, "code": discount.title}
