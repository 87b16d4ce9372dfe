"""Price a cart in one currency: unit prices, discount allocations, taxes and the totals they add up to.

A cart is priced twice, once in the shop currency and once in the buyer's, from the same rules, so each
currency's totals are sums of that currency's rounded parts and reconcile to the minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sandbox.shopify.catalog import TaxRate
from sandbox.shopify.money import ZERO, quantize, spread

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Discount:
    kind: Literal["discount_code", "manual"]
    title: str  # the code for a discount code
    value_type: Literal["percentage", "fixed_amount"]
    value: Decimal  # a percentage, or an amount in the shop currency


@dataclass(frozen=True, slots=True)
class CartLine:
    title: str
    variant_title: str | None
    sku: str | None
    variant_id: int | None
    product_id: int | None
    vendor: str | None
    price: Decimal  # unit price in the shop currency
    quantity: int
    grams: int = 0
    requires_shipping: bool = True
    taxable: bool = True
    gift_card: bool = False
    properties: tuple[tuple[str, str], ...] = ()
    discount: Discount | None = None  # a manual discount on this line only


@dataclass(frozen=True, slots=True)
class ShippingRate:
    title: str
    code: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class Cart:
    lines: tuple[CartLine, ...]
    taxes: tuple[TaxRate, ...]
    taxes_included: bool
    order_discount: Discount | None = None
    shipping: ShippingRate | None = None
    free_shipping: Discount | None = None

    def applications(self) -> list[tuple[Discount, str]]:
        """Discount applications in Shopify's order, each with its target type; the index is their id."""
        found = [(ln.discount, "line_item") for ln in self.lines if ln.discount is not None]
        if self.order_discount is not None:
            found.append((self.order_discount, "line_item"))
        if self.free_shipping is not None and self.shipping is not None:
            found.append((self.free_shipping, "shipping_line"))
        return found


@dataclass(frozen=True, slots=True)
class Priced:
    """One priced line or shipping line: unit price, (application index, amount) allocations, taxes."""

    price: Decimal
    quantity: int
    allocations: tuple[tuple[int, Decimal], ...]
    taxes: tuple[Decimal, ...]  # aligned with Cart.taxes; empty when not taxable

    @property
    def gross(self) -> Decimal:
        return self.price * self.quantity

    @property
    def discount(self) -> Decimal:
        return sum((a for _, a in self.allocations), ZERO)

    @property
    def net(self) -> Decimal:
        return self.gross - self.discount

    @property
    def tax(self) -> Decimal:
        return sum(self.taxes, ZERO)


@dataclass(frozen=True, slots=True)
class PricedOrder:
    currency: str
    taxes_included: bool
    lines: tuple[Priced, ...]
    shipping: Priced | None

    def parts(self) -> tuple[Priced, ...]:
        return self.lines if self.shipping is None else (*self.lines, self.shipping)

    @property
    def line_items_price(self) -> Decimal:
        return sum((p.gross for p in self.lines), ZERO)

    @property
    def subtotal(self) -> Decimal:
        return sum((p.net for p in self.lines), ZERO)

    @property
    def total_discounts(self) -> Decimal:
        return sum((p.discount for p in self.parts()), ZERO)

    @property
    def total_tax(self) -> Decimal:
        return sum((p.tax for p in self.parts()), ZERO)

    @property
    def total_price(self) -> Decimal:
        shipping = ZERO if self.shipping is None else self.shipping.net
        return self.subtotal + shipping + (ZERO if self.taxes_included else self.total_tax)

    def application_total(self, index: int) -> Decimal:
        return sum((a for p in self.parts() for i, a in p.allocations if i == index), ZERO)

    def tax_total(self, position: int) -> Decimal:
        return sum((p.taxes[position] for p in self.parts() if p.taxes), ZERO)


def price_cart(cart: Cart, currency: str, rate: Decimal) -> PricedOrder:
    """Price `cart` in `currency`, converting shop-currency prices and fixed discounts at `rate`."""
    units = [quantize(ln.price * rate, currency) for ln in cart.lines]
    grosses = [u * ln.quantity for u, ln in zip(units, cart.lines, strict=True)]
    allocations, next_index = _line_allocations(cart, grosses, currency, rate)
    lines = tuple(
        _taxed(cart, currency, Priced(u, ln.quantity, tuple(a), ()), taxable=ln.taxable and not ln.gift_card)
        for u, ln, a in zip(units, cart.lines, allocations, strict=True)
    )
    return PricedOrder(currency, cart.taxes_included, lines, _price_shipping(cart, currency, rate, next_index))


def _line_allocations(
    cart: Cart, grosses: list[Decimal], currency: str, rate: Decimal
) -> tuple[list[list[tuple[int, Decimal]]], int]:
    """Each line's (application index, amount) allocations: its own manual discount, then its share of the
    order discount (gift cards take none); and the index the next application gets."""
    allocations: list[list[tuple[int, Decimal]]] = [[] for _ in cart.lines]
    index = 0
    for i, ln in enumerate(cart.lines):
        if ln.discount is not None:
            allocations[i].append((index, _discount_amount(ln.discount, grosses[i], currency, rate)))
            index += 1
    if cart.order_discount is None:
        return allocations, index
    nets = [
        ZERO if ln.gift_card else gross - sum((a for _, a in allocated), ZERO)
        for ln, gross, allocated in zip(cart.lines, grosses, allocations, strict=True)
    ]
    total = _discount_amount(cart.order_discount, sum(nets, ZERO), currency, rate)
    for ln, allocated, share in zip(cart.lines, allocations, spread(total, nets, currency), strict=True):
        if not ln.gift_card:
            allocated.append((index, share))
    return allocations, index + 1


def _price_shipping(cart: Cart, currency: str, rate: Decimal, index: int) -> Priced | None:
    if cart.shipping is None:
        return None
    price = quantize(cart.shipping.price * rate, currency)
    allocations = ((index, price),) if cart.free_shipping is not None else ()
    return _taxed(cart, currency, Priced(price, 1, allocations, ()), taxable=True)


def _discount_amount(discount: Discount, base: Decimal, currency: str, rate: Decimal) -> Decimal:
    if discount.value_type == "percentage":
        return quantize(base * discount.value / HUNDRED, currency)
    return min(quantize(discount.value * rate, currency), base)


def _taxed(cart: Cart, currency: str, part: Priced, *, taxable: bool) -> Priced:
    if not taxable or not cart.taxes:
        return part
    divisor = 1 + sum((t.rate for t in cart.taxes), ZERO) if cart.taxes_included else Decimal(1)
    taxes = tuple(quantize(part.net * t.rate / divisor, currency) for t in cart.taxes)
    return Priced(part.price, part.quantity, part.allocations, taxes)
