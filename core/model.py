"""The canonical order: what every channel's payload is translated into.

Money fields are integers in the minor unit of the order's currency (1999 EUR = 19.99 EUR,
1500 JPY = 1500 JPY). Times carry an offset and are kept in UTC. The JSON Schema printed by
`omshub orders schema` is generated from these models.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

from core.clock import as_utc
from core.money import exponent
from core.raw_json import Payload


class OrderStatus(StrEnum):
    pending = "pending"
    completed = "completed"
    draft = "draft"
    archived = "archived"
    canceled = "canceled"
    requires_action = "requires_action"


class PaymentStatus(StrEnum):
    not_paid = "not_paid"
    awaiting = "awaiting"
    authorized = "authorized"
    partially_authorized = "partially_authorized"
    captured = "captured"
    partially_captured = "partially_captured"
    partially_refunded = "partially_refunded"
    refunded = "refunded"
    canceled = "canceled"
    requires_action = "requires_action"


class FulfillmentStatus(StrEnum):
    not_fulfilled = "not_fulfilled"
    partially_fulfilled = "partially_fulfilled"
    fulfilled = "fulfilled"
    partially_shipped = "partially_shipped"
    shipped = "shipped"
    partially_delivered = "partially_delivered"
    delivered = "delivered"
    partially_returned = "partially_returned"
    returned = "returned"
    canceled = "canceled"
    requires_action = "requires_action"


Minor = Annotated[int, Strict(), Field(ge=0, description="amount in minor units of the order currency")]
Count = Annotated[int, Strict(), Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Customer(_Model):
    email: str | None = Field(default=None, max_length=320)
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None

    @field_validator("email")
    @classmethod
    def _email_has_at(cls, value: str | None) -> str | None:
        if value is not None and "@" not in value:
            raise ValueError("email must look like name@example.com")
        return value

    @property
    def name(self) -> str | None:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or None


class Address(_Model):
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    city: str | None = None
    province: str | None = None
    postal_code: str | None = None
    country_code: str | None = Field(default=None, description="ISO 3166-1 alpha-2, e.g. 'DE'")
    phone: str | None = None

    @field_validator("country_code")
    @classmethod
    def _two_letters(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) != 2 or not (value.isascii() and value.isalpha()):
            raise ValueError("country_code must be two letters (ISO 3166-1 alpha-2), e.g. 'DE'")
        return value.upper()


class TaxLine(_Model):
    title: str
    rate: str | None = Field(default=None, description="decimal rate as a string, e.g. '0.19'")
    amount: Minor


class OrderLine(_Model):
    line_id: str | None = Field(default=None, description="the channel's line id; the SKU is used when absent")
    sku: str | None = Field(default=None, description="absent for lines that hold no stock (gift cards, fees)")
    title: str = ""
    quantity: Annotated[int, Strict(), Field(ge=1)]
    unit_price: Minor
    discount: Minor = Field(default=0, description="discount on this line (all units), minor units")
    tax_lines: list[TaxLine] = Field(default_factory=list)
    fulfilled_quantity: Count = 0
    shipped_quantity: Count = 0
    returned_quantity: Count = 0
    canceled_quantity: Count = 0

    @model_validator(mode="after")
    def _quantities_fit(self) -> OrderLine:
        if self.fulfilled_quantity + self.canceled_quantity > self.quantity:
            raise ValueError("fulfilled_quantity + canceled_quantity exceed quantity")
        if self.shipped_quantity > self.quantity or self.returned_quantity > self.quantity:
            raise ValueError("shipped_quantity and returned_quantity must not exceed quantity")
        if self.discount > self.quantity * self.unit_price:
            raise ValueError("discount exceeds quantity × unit_price")
        if self.line_id is None and self.sku is None:
            raise ValueError("a line needs a line_id or a sku")
        return self

    @property
    def key(self) -> str:
        return self.line_id if self.line_id is not None else f"sku:{self.sku}"

    @property
    def open_quantity(self) -> int:
        """Units still to be served from stock: ordered minus canceled minus fulfilled."""
        return self.quantity - self.canceled_quantity - self.fulfilled_quantity


class ChannelTotals(_Model):
    """The totals the channel states; when given they must reconcile with the lines."""

    subtotal: Minor | None = None
    discount_total: Minor | None = None
    shipping_total: Minor | None = None
    tax_total: Minor | None = None
    total: Minor


class ChannelReturnLine(_Model):
    line: Annotated[str, Field(min_length=1, description="the returned line's line_id (its SKU when it has none)")]
    quantity: Annotated[int, Strict(), Field(ge=1)]
    restock: bool = Field(description="true when the units go back on the shelf")
    location: str | None = Field(
        default=None,
        max_length=100,
        description="the hub location code restocked units go to; absent: the channel's first location",
    )


class ChannelReturn(_Model):
    """Units of shipped lines that came back through a return the channel registered (a Shopify refund with
    restock type `return`). The hub takes each in once, by its id, as a received return; the channel settles
    its money."""

    return_id: Annotated[
        str,
        Field(
            pattern=r"^[!-~]{1,140}$",
            description="the channel's id of the return or refund, unique within the channel (printable ASCII)",
        ),
    ]
    lines: Annotated[list[ChannelReturnLine], Field(min_length=1)]


class CanonicalOrder(_Model):
    external_id: Annotated[str, Field(min_length=1, max_length=255)]
    display_number: str | None = None
    status: OrderStatus = OrderStatus.pending
    payment_status: PaymentStatus = PaymentStatus.not_paid
    fulfillment_status: FulfillmentStatus = FulfillmentStatus.not_fulfilled
    channel_status: str | None = Field(
        default=None,
        max_length=64,
        description="the order's status in the channel's own words (WooCommerce 'processing', Medusa 'pending',"
        " Shopify 'open'); a channel's payments.capturable_statuses names those a capture may happen in",
    )
    currency: Annotated[str, Field(min_length=3, max_length=3, description="ISO 4217, e.g. 'EUR'")]
    placed_at: AwareDatetime
    updated_at: AwareDatetime | None = Field(
        default=None, description="the channel's last change; defaults to placed_at"
    )
    upstream_version: Count | None = Field(default=None, description="the channel's version counter, if it has one")
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    notes: str | None = None
    payment_reference: str | None = Field(
        default=None, description="the payment processor's id for the order's payment (e.g. a Stripe pi_…)"
    )
    lines: Annotated[list[OrderLine], Field(min_length=1)]
    shipping_total: Minor = 0
    shipping_tax: Minor = 0
    order_discount: Minor = Field(default=0, description="order-level discount, spread over the lines")
    taxes_included: bool = Field(default=False, description="true when unit prices already contain tax")
    totals: ChannelTotals | None = None
    channel_returns: list[ChannelReturn] = Field(
        default_factory=list,
        description="returns registered in the channel; their units are part of their lines' returned_quantity",
    )
    raw: Payload | None = Field(default=None, description="the channel payload, kept for audit")

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        exponent(value)
        return value.upper()

    @field_validator("placed_at", "updated_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)

    @model_validator(mode="after")
    def _unique_line_keys(self) -> CanonicalOrder:
        keys = [line.key for line in self.lines]
        if len(set(keys)) != len(keys):
            raise ValueError("two lines share a line_id (or, without line_id, a sku); give each line its own line_id")
        return self

    @model_validator(mode="after")
    def _returns_fit_their_lines(self) -> CanonicalOrder:
        if not self.channel_returns:
            return self
        if len({r.return_id for r in self.channel_returns}) != len(self.channel_returns):
            raise ValueError("channel_returns: two returns share a return_id; give each return its own")
        back: dict[str, int] = {}
        for i, ret in enumerate(self.channel_returns):
            named = [self.returned_line(part.line, f"channel_returns.{i}") for part in ret.lines]
            if len({line.key for line in named}) != len(named):
                raise ValueError(f"channel_returns.{i}: a line is named twice; give each line once per return")
            for line, part in zip(named, ret.lines, strict=True):
                back[line.key] = back.get(line.key, 0) + part.quantity
        for line in self.lines:
            units = back.get(line.key, 0)
            if units > line.returned_quantity or (units and line.returned_quantity > line.fulfilled_quantity):
                raise ValueError(
                    f"line {line.key!r}: channel returns bring back {units} unit(s); returned_quantity"
                    f" ({line.returned_quantity}) must count them and stay within fulfilled_quantity"
                    f" ({line.fulfilled_quantity})"
                )
        return self

    def returned_line(self, ref: str, where: str = "channel_returns") -> OrderLine:
        """The line a channel return names: by line_id, or by SKU for a line without one."""
        by_id = (line for line in self.lines if line.line_id == ref)
        by_sku = (line for line in self.lines if line.line_id is None and line.sku == ref)
        found = next(by_id, None) or next(by_sku, None)
        if found is None:
            raise ValueError(f"{where}: {ref!r} is no line of the order; name a line by its line_id")
        return found

    @property
    def changed_at(self) -> datetime:
        return self.updated_at or self.placed_at

    def is_newer_than(self, version: int | None, changed_at: datetime) -> bool:
        """True when this payload is a later upstream state than the stored one."""
        if self.upstream_version is not None and version is not None:
            return self.upstream_version > version
        return self.changed_at > changed_at
