"""Random buyers of the simulated shop: who buys, from where, what (only what is in stock), and how they pay."""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from sandbox.shopify.catalog import BERLIN, NOTES, PEOPLE, Person, Region
from sandbox.woocommerce.catalog import Item
from sandbox.woocommerce.order_json import PAYMENTS, Header, Payment
from sandbox.woocommerce.pricing import Cart, CartLine, Coupon, Fee, ShippingMethod, TaxRate
from sandbox.woocommerce.store import WooState

REGIONS = BERLIN.regions
RATES = {
    r.country_code: TaxRate(n, f"{r.country_code}-{r.taxes[0].title.upper()}-1", r.taxes[0].title, r.taxes[0].rate)
    for n, r in enumerate(REGIONS, start=1)
}
COUPONS = (
    Coupon("willkommen10", "percent", Decimal(10)),
    Coupon("sommer15", "percent", Decimal(15)),
    Coupon("minus5", "fixed_cart", Decimal("5.00")),
)
SHIPPING = (
    ShippingMethod("flat_rate", "DHL Paket", "1", Decimal("4.90")),
    ShippingMethod("flat_rate", "DHL Express", "2", Decimal("12.90")),
)
FREE_SHIPPING = ShippingMethod("free_shipping", "Kostenloser Versand", "3", Decimal(0))
FREE_FROM = Decimal(100)
GIFT_WRAP = Fee("Geschenkverpackung", Decimal("3.50"), taxable=True)
LOYALTY = Fee("Treuerabatt", Decimal("-5.00"), taxable=False)
PAYMENT_WEIGHTS = {"stripe": 55, "paypal": 20, "bacs": 12, "cod": 6, "abandoned": 7}
PAYMENT_KEYS, PAYMENT_ODDS = list(PAYMENT_WEIGHTS), list(PAYMENT_WEIGHTS.values())
ALPHANUMERIC = string.ascii_letters + string.digits


def cart_for(
    lines: list[CartLine], region: Region, *, coupon: Coupon | None = None, fees: tuple[Fee, ...] = ()
) -> Cart:
    """A cart shipped to `region`: taxed at its rate, shipped flat rate (free from 100) unless all virtual."""
    ships = any(not line.item.virtual for line in lines)
    goods = sum((line.item.price * line.quantity for line in lines), Decimal(0))
    method = None if not ships else FREE_SHIPPING if goods >= FREE_FROM else SHIPPING[0]
    return Cart(tuple(lines), RATES[region.country_code], coupon, method, fees)


class Shopper:
    """Draws buyers and carts from a seeded random source; reads no clock of its own."""

    def __init__(self, state: WooState, rng: random.Random) -> None:
        self._state = state
        self._rng = rng
        self._customers: dict[str, int] = {}

    def cart(self, region: Region) -> Cart | None:
        """Up to four lines of what is in stock, never more units than the shop shows; None if nothing is."""
        buyable = [i for i in self._state.items() if i.sellable and (not i.manage_stock or (i.stock_quantity or 0) > 0)]
        if not buyable:
            return None
        count = min(len(buyable), self._rng.choices([1, 2, 3, 4], weights=[45, 30, 15, 10])[0])
        lines = [self._line(item) for item in self._rng.sample(buyable, count)]
        coupon = self._rng.choice(COUPONS) if self._rng.random() < 0.25 else None
        fees = (GIFT_WRAP,) if self._rng.random() < 0.06 else ()
        cart = cart_for(lines, region, coupon=coupon, fees=fees)
        if self._rng.random() < 0.2 and cart.shipping is not None:
            cart = Cart(cart.lines, cart.rate, cart.coupon, self._rng.choice(SHIPPING), cart.fees)
        if self._rng.random() < 0.04 and sum(line.item.price for line in lines) > 20:
            cart = Cart(cart.lines, cart.rate, cart.coupon, cart.shipping, (*cart.fees, LOYALTY))
        return cart

    def region(self) -> Region:
        return self._rng.choice(REGIONS)

    def header(self, at: datetime, region: Region, *, ships: bool, payment: Payment | None = None) -> Header:
        person = self._rng.choice(PEOPLE)
        chosen = payment or PAYMENTS[self._rng.choices(PAYMENT_KEYS, weights=PAYMENT_ODDS)[0]]
        guest = self._rng.random() < 0.3
        return Header(
            id=self._state.new_id("post"),
            created=at,
            payment=chosen,
            transaction_id=self._transaction(chosen),
            customer_id=0 if guest else self.customer_id(person),
            person=person,
            region=region,
            ships=ships,
            order_key="wc_order_" + "".join(self._rng.choices(ALPHANUMERIC, k=13)),
            customer_ip=f"203.0.113.{self._rng.randint(1, 254)}",
            customer_note=self._rng.choice(NOTES) if self._rng.random() < 0.1 else "",
            company="Café Olé GmbH" if self._rng.random() < 0.08 else "",
        )

    def customer_id(self, person: Person) -> int:
        if person.email not in self._customers:
            self._customers[person.email] = self._state.new_id("customer")
        return self._customers[person.email]

    def _line(self, item: Item) -> CartLine:
        quantity = self._rng.choices([1, 2, 3], weights=[70, 20, 10])[0]
        if item.manage_stock:
            quantity = min(quantity, item.stock_quantity or 0)
        return CartLine(item, quantity, self._state.item(item.parent_id) if item.parent_id else None)

    def _transaction(self, payment: Payment) -> str:
        if not payment.paid or not payment.transaction:
            return ""
        if payment.transaction == "stripe":
            return "pi_3" + "".join(self._rng.choices(ALPHANUMERIC, k=23))
        return "".join(self._rng.choices(string.ascii_uppercase + string.digits, k=17))


def lines_for(state: WooState, skus: Mapping[str, int]) -> list[CartLine]:
    """Cart lines for chosen SKUs and quantities; KeyError for an unknown or unsellable SKU."""
    lines = []
    for sku, quantity in skus.items():
        item = state.item_by_sku(sku)
        if item is None or not item.sellable or quantity < 1:
            raise KeyError(f"cannot buy {quantity} of SKU {sku!r}")
        lines.append(CartLine(item, quantity, state.item(item.parent_id) if item.parent_id else None))
    return lines
