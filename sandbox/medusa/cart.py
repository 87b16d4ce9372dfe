"""A buyer's cart turned into an order record: lines priced with the channel's tax mode, addresses, payment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sandbox.medusa.model import Address, Discount, Line, Order, Payment, SalesChannel, ShippingMethod, Tax, Variant
from sandbox.medusa.pricing import ZERO, cents, line_money
from sandbox.medusa.state import MedusaState
from sandbox.shopify.catalog import Person, Region

PROVIDERS = ("pp_stripe_stripe", "pp_system_default")


@dataclass(frozen=True, slots=True)
class Shipping:
    name: str
    amount: Decimal  # written like the channel's prices: with tax when they include it


@dataclass(frozen=True, slots=True)
class Cart:
    channel: SalesChannel
    lines: Sequence[tuple[Variant, int]]
    buyer: Person
    region: Region
    at: datetime
    shipping: Shipping = Shipping("Standard", Decimal("4.90"))
    promotion: str | None = None  # a code taking 10 % off every line
    provider_id: str = PROVIDERS[0]


def build_order(state: MedusaState, cart: Cart) -> Order:
    """The order record for `cart`, not yet stored; ids are drawn in a fixed order, so placement is repeatable."""
    at, new = cart.at, state.ids.new
    order_id = new("order", at)
    tax = _tax(cart.region)
    lines = [_line(state, cart, variant, quantity, tax) for variant, quantity in cart.lines]
    shipped = any(variant.requires_shipping for variant, _ in cart.lines)
    methods = [_shipping(state, cart, tax)] if shipped else []
    total = sum((line.money.total for line in lines), ZERO) + sum((m.money.total for m in methods), ZERO)
    address = _address(state, cart)
    return Order(
        id=order_id,
        display_id=len(state.orders) + 1,
        email=cart.buyer.email,
        currency_code=state.currency_code,
        region_id=state.region_id,
        sales_channel_id=cart.channel.id,
        customer_id=new("cus", at),
        lines=lines,
        shipping_methods=methods,
        shipping_address=address,
        billing_address=address if cart.channel.tax_inclusive else _address(state, cart),
        payment=Payment(new("pay_col", at), new("pay", at), total, cart.provider_id, at),
        created_at=at,
        updated_at=at,
    )


def _tax(region: Region) -> Tax:
    rate = region.taxes[0]
    return Tax(f"{region.country_code.lower()}-standard", rate.title, rate.rate * 100)


def _line(state: MedusaState, cart: Cart, variant: Variant, quantity: int, tax: Tax) -> Line:
    inclusive = cart.channel.tax_inclusive
    off = cents(variant.price * quantity / 10) if cart.promotion else ZERO
    discount = None if cart.promotion is None else Discount(cart.promotion, state.new_id("promo", cart.at), off)
    return Line(
        id=state.ids.new("ordli", cart.at),
        variant=variant,
        quantity=quantity,
        unit_price=variant.price,
        is_tax_inclusive=inclusive,
        tax=tax,
        tax_line_id=state.ids.new("ordlitxl", cart.at),
        discount=discount,
        adjustment_id=None if discount is None else state.ids.new("ordliadj", cart.at),
        money=line_money(variant.price, quantity, rate=tax.rate, inclusive=inclusive, discount=off),
        created_at=cart.at,
    )


def _shipping(state: MedusaState, cart: Cart, tax: Tax) -> ShippingMethod:
    inclusive = cart.channel.tax_inclusive
    return ShippingMethod(
        id=state.ids.new("ordsm", cart.at),
        name=cart.shipping.name,
        amount=cart.shipping.amount,
        is_tax_inclusive=inclusive,
        tax=tax,
        tax_line_id=state.ids.new("ordsmtxl", cart.at),
        money=line_money(cart.shipping.amount, 1, rate=tax.rate, inclusive=inclusive),
    )


def _address(state: MedusaState, cart: Cart) -> Address:
    buyer, region = cart.buyer, cart.region
    return Address(
        id=state.ids.new("ordaddr", cart.at),
        first_name=buyer.first_name,
        last_name=buyer.last_name,
        company=None if cart.channel.tax_inclusive else f"{buyer.last_name} GmbH",
        address_1=region.street,
        city=region.city,
        postal_code=region.zip,
        country_code=region.country_code.lower(),
        phone=buyer.phone,
    )
