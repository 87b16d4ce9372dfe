"""A new order as WooCommerce's REST API writes it: header fields, addresses, payment, and the priced money part."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.shopify.catalog import Person, Region
from sandbox.woocommerce.sitetime import SiteTime

Order = dict[str, Any]
WC_VERSION = "9.3.3"
STATUS_LABELS = {
    "pending": "Pending payment",
    "processing": "Processing",
    "on-hold": "On hold",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "refunded": "Refunded",
    "failed": "Failed",
    "trash": "Trash",
}
SYMBOLS = {"EUR": "€", "USD": "$", "CAD": "$", "GBP": "£", "JPY": "¥"}


@dataclass(frozen=True, slots=True)
class Payment:
    method: str
    title: str
    status: str  # the status checkout leaves the order in
    paid: bool  # whether checkout records `date_paid`
    transaction: str = ""  # the gateway whose style of transaction id it records; "" for none


PAYMENTS = {
    "stripe": Payment("stripe", "Credit Card (Stripe)", "processing", paid=True, transaction="stripe"),
    "paypal": Payment("ppcp-gateway", "PayPal", "processing", paid=True, transaction="paypal"),
    "bacs": Payment("bacs", "Direct bank transfer", "on-hold", paid=False),
    "cod": Payment("cod", "Cash on delivery", "processing", paid=False),
    "abandoned": Payment("stripe", "Credit Card (Stripe)", "pending", paid=False),
}


@dataclass(frozen=True, slots=True)
class Header:
    """Everything about a new order except its money."""

    id: int
    created: datetime
    payment: Payment
    transaction_id: str
    customer_id: int  # 0 for a guest
    person: Person
    region: Region
    ships: bool
    order_key: str
    customer_ip: str
    customer_note: str = ""
    company: str = ""


def billing(person: Person, region: Region, company: str = "") -> dict[str, str]:
    return {**_address(person, region, company), "email": person.email, "phone": person.phone or ""}


def _address(person: Person, region: Region, company: str) -> dict[str, str]:
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "company": company,
        "address_1": region.street,
        "address_2": "",
        "city": region.city,
        "state": region.province_code,
        "postcode": region.zip,
        "country": region.country_code,
    }


def shipping(header: Header) -> dict[str, str]:
    """The shipping address; present on digital orders too, with every field empty."""
    address = _address(header.person, header.region, header.company)
    if not header.ships:
        return {key: "" for key in [*address, "phone"]}
    return {**address, "phone": header.person.phone or ""}


def render_order(header: Header, money: dict[str, Any], *, site: SiteTime, currency: str) -> Order:
    paid_at = header.created if header.payment.paid else None
    return {
        "id": header.id,
        "parent_id": 0,
        "status": header.payment.status,
        "currency": currency,
        "version": WC_VERSION,
        "prices_include_tax": False,
        **site.pair("date_created", header.created),
        **site.pair("date_modified", header.created),
        **{k: money[k] for k in ("discount_total", "discount_tax", "shipping_total", "shipping_tax", "cart_tax")},
        "total": money["total"],
        "total_tax": money["total_tax"],
        "customer_id": header.customer_id,
        "order_key": header.order_key,
        "billing": billing(header.person, header.region, header.company),
        "shipping": shipping(header),
        "payment_method": header.payment.method,
        "payment_method_title": header.payment.title,
        "transaction_id": header.transaction_id,
        "customer_ip_address": header.customer_ip,
        "customer_user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
        "created_via": "checkout",
        "customer_note": header.customer_note,
        **site.pair("date_completed", None),
        **site.pair("date_paid", paid_at),
        "cart_hash": hashlib.md5(header.order_key.encode()).hexdigest(),
        "number": str(header.id),
        "meta_data": [],
        **{k: money[k] for k in ("line_items", "tax_lines", "shipping_lines", "fee_lines", "coupon_lines")},
        "refunds": [],
        "payment_url": f"/checkout/order-pay/{header.id}/?pay_for_order=true&key={header.order_key}",
        "is_editable": header.payment.status in ("pending", "on-hold"),
        "needs_payment": header.payment.status in ("pending", "failed"),
        "needs_processing": header.ships,
        "currency_symbol": SYMBOLS.get(currency, currency),
    }
