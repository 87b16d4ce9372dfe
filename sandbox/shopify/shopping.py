"""Random shoppers: what kind of order, which lines and discounts, who buys, and in which currency."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sandbox.shopify.catalog import NOTES, PEOPLE, TAGS, Person, Region
from sandbox.shopify.money import Currencies
from sandbox.shopify.order_json import Header, Order, Pricing, render_order
from sandbox.shopify.pricing import Cart, CartLine, Discount, ShippingRate, price_cart
from sandbox.shopify.state import ShopState, Variant

KINDS = {"web": 55, "guest": 15, "digital": 12, "pos": 12, "draft": 6}
STAFF_DISCOUNT = Discount("manual", "Rabais employé", "percentage", Decimal(20))
CODES = (
    Discount("discount_code", "BIENVENUE10", "percentage", Decimal(10)),
    Discount("discount_code", "HIVER15", "percentage", Decimal(15)),
    Discount("discount_code", "MOINS5", "fixed_amount", Decimal("5.00")),
)
FREE_SHIPPING = Discount("discount_code", "LIVRAISON", "percentage", Decimal(100))
RATES = (
    ShippingRate("Standard", "STANDARD", Decimal("9.95")),
    ShippingRate("Express", "EXPRESS", Decimal("19.95")),
    ShippingRate("Livraison gratuite", "FREE", Decimal("0.00")),
)
GIFT_WRAP = CartLine("Emballage cadeau", None, None, None, None, None, Decimal("5.00"), 1, requires_shipping=False)
ENGRAVINGS = ("Pour Anna ♥", "Für Jürgen", "ありがとう", "Ça va? 🙂")


class Shopper:
    """Draws new orders from a seeded random source; reads no clock of its own."""

    def __init__(self, state: ShopState, rng: random.Random) -> None:
        self._state = state
        self._rng = rng
        self._customers: dict[str, dict[str, Any]] = {}
        variants = list(state.variants.values())
        self._physical = [v for v in variants if v.requires_shipping]
        self._digital = [v for v in variants if not v.requires_shipping]
        self._store = next(loc.id for loc in reversed(state.locations.values()) if loc.active)

    def order(self, at: datetime) -> Order:
        kind = self._rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
        regions = self._state.profile.regions
        region = regions[0] if kind == "pos" else self._rng.choice(regions)
        cart = self._cart(kind, region)
        pricing = self._price(cart, self._presentment(kind))
        header = self._header(kind, region, at, ships=cart.shipping is not None)
        return render_order(header, pricing, ids=self._state.new_id)

    def order_for(self, picks: list[tuple[Variant, int]], at: datetime) -> Order:
        """A web order for exactly these variants and quantities (a buyer who checked the shop's stock)."""
        region = self._state.profile.regions[0]
        lines = tuple(replace(self._line(variant), quantity=quantity, discount=None) for variant, quantity in picks)
        cart = Cart(lines, region.taxes, self._state.profile.taxes_included, None, RATES[0], None)
        pricing = self._price(cart, self._state.profile.currency)
        return render_order(self._header("web", region, at, ships=True), pricing, ids=self._state.new_id)

    def _presentment(self, kind: str) -> str:
        codes = list(self._state.profile.presentment_rates)
        return codes[0] if kind == "pos" else self._rng.choices(codes, weights=[75, 15, 10][: len(codes)])[0]

    def _price(self, cart: Cart, presentment: str) -> Pricing:
        profile = self._state.profile
        shop = price_cart(cart, profile.currency, Decimal(1))
        buyer = price_cart(cart, presentment, profile.presentment_rates[presentment])
        return Pricing(cart, shop, buyer, Currencies(profile.currency, presentment))

    def _cart(self, kind: str, region: Region) -> Cart:
        lines = self._digital_lines() if kind == "digital" else self._physical_lines()
        ships = kind != "pos" and any(ln.requires_shipping for ln in lines)
        rate = self._rng.choice(RATES) if ships else None
        free = FREE_SHIPPING if rate is not None and rate.price and self._rng.random() < 0.1 else None
        code = self._rng.choice(CODES) if self._rng.random() < 0.25 else None
        return Cart(tuple(lines), region.taxes, self._state.profile.taxes_included, code, rate, free)

    def _digital_lines(self) -> list[CartLine]:
        return [self._line(v) for v in self._rng.sample(self._digital, self._rng.randint(1, 2))]

    def _physical_lines(self) -> list[CartLine]:
        count = self._rng.choices([1, 2, 3, 4], weights=[45, 30, 15, 10])[0]
        picks = self._rng.sample(self._physical, count)
        if self._rng.random() < 0.08:
            picks.append(self._rng.choice(self._digital))
        lines = [self._line(v) for v in picks]
        if self._rng.random() < 0.05:
            engraving = (("Gravure", self._rng.choice(ENGRAVINGS)),)
            lines.append(replace(lines[0], quantity=1, properties=engraving, discount=None))
        if self._rng.random() < 0.05:
            lines.append(GIFT_WRAP)
        return lines

    def _line(self, variant: Variant) -> CartLine:
        quantity = 1 if variant.gift_card else self._rng.choices([1, 2, 3], weights=[70, 20, 10])[0]
        discounted = not variant.gift_card and self._rng.random() < 0.08
        return CartLine(
            title=variant.product_title,
            variant_title=None if variant.title == "Default Title" else variant.title,
            sku=variant.sku,
            variant_id=variant.id,
            product_id=variant.product_id,
            vendor=variant.vendor,
            price=variant.price,
            quantity=quantity,
            grams=variant.grams,
            requires_shipping=variant.requires_shipping,
            taxable=variant.taxable,
            gift_card=variant.gift_card,
            discount=STAFF_DISCOUNT if discounted else None,
        )

    def _header(self, kind: str, region: Region, at: datetime, *, ships: bool) -> Header:
        person = self._rng.choice(PEOPLE)
        financial = {"pos": "paid", "draft": "pending"}.get(kind) or self._rng.choices(
            ["paid", "authorized", "pending"], weights=[75, 15, 10]
        )[0]
        address = self._address(person, region)
        return Header(
            id=self._state.new_id("order"),
            number=self._state.next_order_number(),
            created_at=self._state.timestamp(at),
            financial_status=financial,
            source_name={"pos": "pos", "draft": "shopify_draft_order"}.get(kind, "web"),
            gateway=_gateway(kind, financial),
            customer=None if kind in ("guest", "pos") else self._customer(person, region, at),
            email=None if kind == "pos" else person.email,
            shipping_address=address if ships else None,
            billing_address=None if kind == "pos" else address,
            note=self._rng.choice(NOTES) if self._rng.random() < 0.15 else None,
            tags=self._rng.choice(TAGS),
            location_id=self._store if kind == "pos" else None,
        )

    def _address(self, person: Person, region: Region) -> dict[str, Any]:
        return {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "name": f"{person.first_name} {person.last_name}",
            "company": "Café Olé inc." if self._rng.random() < 0.1 else None,
            "address1": region.street,
            "address2": "App. 3" if self._rng.random() < 0.2 else None,
            "city": region.city,
            "province": region.province or None,
            "province_code": region.province_code or None,
            "zip": region.zip,
            "country": region.country,
            "country_code": region.country_code,
            "phone": person.phone,
            "latitude": None,
            "longitude": None,
        }

    def _customer(self, person: Person, region: Region, at: datetime) -> dict[str, Any]:
        if person.email not in self._customers:
            self._customers[person.email] = self._new_customer(person, region, at)
        return self._customers[person.email]

    def _new_customer(self, person: Person, region: Region, at: datetime) -> dict[str, Any]:
        customer_id = self._state.new_id("customer")
        since = self._state.timestamp(at)
        address = {"id": self._state.new_id("customer_address"), "customer_id": customer_id, "default": True}
        return {
            "id": customer_id,
            "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
            "email": person.email,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "phone": person.phone,
            "state": "enabled",
            "verified_email": True,
            "tax_exempt": False,
            "tags": "",
            "currency": self._state.profile.currency,
            "created_at": since,
            "updated_at": since,
            "default_address": {**address, **self._address(person, region)},
        }


def _gateway(kind: str, financial_status: str) -> str:
    if kind == "pos":
        return "cash"
    return "manual" if financial_status == "pending" else "shopify_payments"
