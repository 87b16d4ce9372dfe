"""Lines that hold no stock (gift wrap, insurance, lines without a SKU): never reserved nor held for, never goods
for the warehouse (their money goes to it as rows without a product), not waited for before `shipped`, and
captured with the first parcel as shipping is; the order's totals and lines stay as the channel sent them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from connectors.brightpearl import mapper
from connectors.brightpearl.client import BrightpearlOptions
from core import channels, fulfillment, shipments, stock_admin
from core.channels import ChannelSpec, LocationSpec
from core.errors import InvalidRequest
from core.intake import ingest
from core.money import to_major
from core.payments import PaymentPolicy
from core.providers import FulfillmentRequest, ProviderShipment
from core.routing import Router
from core.shipments import SHIPMENT_CREATED, ShipmentReport
from core.store.schema import fulfillment_requests, order_lines, orders
from core.store.schema import outbox as outbox_rows
from tests.fakes import FakeFulfillmentProvider, FakePaymentProcessor
from tests.integration.test_payments import dispatch_all, ship
from tests.support import T0, levels, line, order

NON_STOCK = ("GIFT-WRAP", "INSURANCE-*")
ROUTER = Router({"near": "bp", "far": "bp"})
OPTIONS = BrightpearlOptions(installed_integration_instance_id=9)
ADDRESS = {"first_name": "Mia", "last_name": "Keller", "address_1": "Torstraße 12", "country_code": "DE"}
VAT = "0.19"


def hub(engine, stock: dict[tuple[str, str], int], *, non_stock: tuple[str, ...] = NON_STOCK) -> None:
    specs = [ChannelSpec("web", ("near", "far"), non_stock_skus=non_stock), ChannelSpec("plain", ("near", "far"))]
    with engine.begin() as conn:
        channels.sync(conn, [LocationSpec("near", "Near"), LocationSpec("far", "Far")], specs)
        for (sku, location), units in stock.items():
            stock_admin.set_stocked(conn, sku, location, units, T0)


def taxed(sku: str, units: int, price: int, tax: int, key: str) -> dict:
    return line(sku, units, price, line_id=key, tax_lines=[{"title": "VAT 19%", "rate": VAT, "amount": tax}])


def gift_order(external_id: str = "1", *, minutes: int = 0, **extra) -> dict:
    """2 mugs at 12.50 (VAT 4.75), gift wrap 3.50 (VAT 0.67), parcel insurance 2.00, a service fee without a
    SKU 1.00, shipping 4.95 (VAT 0.94): 42.81 EUR."""
    fee = {"line_id": "fee", "title": "Service fee", "quantity": 1, "unit_price": 100}
    return order(
        external_id,
        taxed("MUG", 2, 1250, 475, "a"),
        {**taxed("GIFT-WRAP", 1, 350, 67, "gw"), "title": "Gift wrap"},
        {**line("INSURANCE-PARCEL", 1, 200, line_id="ins"), "title": "Parcel insurance"},
        fee,
        minutes=minutes,
        shipping_total=495,
        shipping_tax=94,
        shipping_address=ADDRESS,
        **extra,
    )


TOTAL = 2500 + 475 + 350 + 67 + 200 + 100 + 495 + 94


def row_of(engine, external_id: str = "1", channel: str = "web") -> dict:
    with engine.connect() as conn:
        query = select(orders).where(orders.c.channel == channel, orders.c.external_id == external_id)
        return dict(conn.execute(query).mappings().one())


def released(engine, clock) -> list[FulfillmentRequest]:
    with engine.begin() as conn:
        fulfillment.release(conn, ROUTER, clock.now())
        query = select(outbox_rows.c.payload).where(outbox_rows.c.topic == fulfillment.FULFILLMENT_REQUESTED)
        return [fulfillment.request_of(payload) for payload in conn.execute(query.order_by(outbox_rows.c.id)).scalars()]


def test_non_stock_lines_are_never_reserved_nor_hold_the_order_for_want_of_stock(engine, clock):
    hub(engine, {("MUG", "near"): 5})  # no stock of gift wrap or insurance anywhere
    ingest(engine, "web", [gift_order(payment_status="captured")], clock=clock)
    ingest(engine, "plain", [gift_order(payment_status="captured")], clock=clock)  # a channel naming none

    ours, plain = row_of(engine), row_of(engine, channel="plain")
    assert (ours["status"], ours["hold_reason"]) == ("pending", None)
    assert plain["status"] == "requires_action" and "GIFT-WRAP" in plain["hold_reason"]
    assert levels(engine) == {("MUG", "near"): (5, 2)}
    with engine.connect() as conn:
        query = select(order_lines.c.line_key, order_lines.c.holds_stock, order_lines.c.unit_price)
        lines = {key: (stock, price) for key, stock, price in conn.execute(query.where(order_lines.c.order_id == 1))}
    assert lines == {"a": (True, 1250), "gw": (False, 350), "ins": (False, 200), "fee": (False, 100)}
    assert (ours["total"], ours["subtotal"], ours["tax_total"]) == (TOTAL, 3150, 475 + 67 + 94)


def test_the_warehouse_payload_has_product_rows_for_stock_lines_only_and_still_adds_up_to_the_order(engine, clock):
    hub(engine, {("MUG", "near"): 5})
    ingest(engine, "web", [gift_order(payment_status="captured")], clock=clock)
    [request] = released(engine, clock)
    assert [(ln.line_key, ln.sku, ln.quantity) for ln in request.lines] == [("a", "MUG", 2)]

    body = mapper.sales_order(request, OPTIONS, warehouse_id=2, contact_id=207, products={"MUG": 1007})
    rows = [(row.get("productId"), row["name"], row["quantity"], row["net"], row["tax"]) for row in body["rows"]]
    assert rows == [
        (1007, "MUG", "2", "25.0000", "4.7500"),
        (None, "Gift wrap", "1", "3.5000", "0.6700"),
        (None, "Parcel insurance", "1", "2.0000", "0.0000"),
        (None, "Service fee", "1", "1.0000", "0.0000"),
        (None, "Shipping", "1", "4.9500", "0.9400"),
    ]
    assert sum(Decimal(row["net"]) + Decimal(row["tax"]) for row in body["rows"]) == to_major(TOTAL, "EUR")
    with engine.connect() as conn:
        assert conn.execute(select(fulfillment_requests.c.lines)).scalar_one() == [
            {"line_key": "a", "sku": "MUG", "quantity": 2}
        ]


def test_split_over_two_locations_the_charges_go_once_with_the_first_request(engine, clock):
    hub(engine, {("MUG", "near"): 5, ("TEA", "far"): 5})
    tea = taxed("TEA", 1, 900, 171, "t")
    ingest(engine, "web", [gift_order(payment_status="captured", lines=[*gift_order()["lines"], tea])], clock=clock)
    requests = released(engine, clock)
    assert [(r.location, [ln.sku for ln in r.lines], [c.line_key for c in r.charges]) for r in requests] == [
        ("far", ["TEA"], ["gw", "ins", "fee"]),
        ("near", ["MUG"], []),
    ]
    products = {"MUG": 7, "TEA": 8}
    bodies = [mapper.sales_order(r, OPTIONS, warehouse_id=2, contact_id=1, products=products) for r in requests]
    money = sum(Decimal(row["net"]) + Decimal(row["tax"]) for body in bodies for row in body["rows"])
    assert money == to_major(TOTAL + 900 + 171, "EUR")


def test_the_order_is_shipped_once_its_stock_lines_have_shipped(engine, clock):
    hub(engine, {("MUG", "near"): 5})
    ingest(engine, "web", [gift_order(payment_status="captured")], clock=clock)
    provider = FakeFulfillmentProvider()
    dispatch_all(engine, clock, provider, FakePaymentProcessor())
    ship(engine, clock, provider, ProviderShipment("n1", "ful-1-near-bp", "near", (("MUG", 1),)))
    assert row_of(engine)["fulfillment_status"] == "partially_shipped"
    second = ProviderShipment("n2", "ful-1-near-bp", "near", (("MUG", 1),))
    ship(engine, clock, provider, ProviderShipment("n1", "ful-1-near-bp", "near", (("MUG", 1),)), second)

    assert row_of(engine)["fulfillment_status"] == "shipped"
    assert levels(engine) == {("MUG", "near"): (3, 0)}
    with engine.connect() as conn:
        query = select(outbox_rows.c.payload).where(outbox_rows.c.topic == SHIPMENT_CREATED)
        notices = conn.execute(query.order_by(outbox_rows.c.id)).scalars()
        complete = [payload["notice"]["order_complete"] for payload in notices]
        assert conn.execute(select(fulfillment_requests.c.status)).scalar_one() == "shipped"
    assert complete == [False, True]  # the channel may close the order with the last mug


@pytest.mark.parametrize(
    ("policy", "captures"),
    [
        # the first parcel (one mug) carries shipping and every line that never ships; the second the other mug
        (PaymentPolicy("cards", multiple_captures=True), [1250 + 237 + 350 + 67 + 200 + 100 + 495 + 94, 1250 + 238]),
        # one capture at the last shipment: it comes once the mugs left, though nothing ships the gift wrap
        (PaymentPolicy("cards", "on_shipment", "last_shipment"), [TOTAL]),
    ],
)
def test_the_value_of_non_stock_lines_is_captured_as_shipping_is(engine, clock, policy, captures):
    hub(engine, {("MUG", "near"): 5})
    ingest(engine, "web", [gift_order(payment_status="authorized", payment_reference="pi_3PRbT2Lk")], clock=clock)
    provider = FakeFulfillmentProvider()
    processor = FakePaymentProcessor(authorized=TOTAL, multiple=policy.multiple_captures)
    dispatch_all(engine, clock, provider, processor, policy)
    first = ProviderShipment("n1", "ful-1-near-bp", "near", (("MUG", 1),))
    ship(engine, clock, provider, first, policy=policy)
    ship(engine, clock, provider, first, ProviderShipment("n2", "ful-1-near-bp", "near", (("MUG", 1),)), policy=policy)
    dispatch_all(engine, clock, provider, processor, policy)
    assert list(processor.captures.values()) == captures
    assert row_of(engine)["captured_total"] == TOTAL


def test_a_line_that_holds_no_stock_cannot_be_reported_as_shipped(engine, clock):
    hub(engine, {("MUG", "near"): 5})
    ingest(engine, "web", [gift_order(payment_status="captured")], clock=clock)
    with engine.begin() as conn, pytest.raises(InvalidRequest, match=r"'gw' \(GIFT-WRAP\) holds no stock"):
        shipments.record(conn, ShipmentReport("1", "near", {"GIFT-WRAP": 1}), clock.now())
    with engine.begin() as conn:
        notice = shipments.record(conn, ShipmentReport("1", "near", {"MUG": 2}), clock.now())
    assert notice.order_complete


def test_a_sku_named_non_stock_later_gives_back_what_its_lines_held(engine, clock):
    stock = {("MUG", "near"): 5, ("GIFT-WRAP", "near"): 10, ("INSURANCE-PARCEL", "near"): 10}
    hub(engine, stock, non_stock=())
    ingest(engine, "web", [gift_order()], clock=clock)
    assert levels(engine) == {key: (units, 2 if key[0] == "MUG" else 1) for key, units in stock.items()}
    hub(engine, {}, non_stock=NON_STOCK)  # the configuration now names them
    plain = ChannelSpec("plain", ("near", "far"))
    with engine.connect() as conn:
        assert channels.in_sync(conn, [], [ChannelSpec("web", ("near", "far"), non_stock_skus=NON_STOCK), plain])
        assert not channels.in_sync(conn, [], [ChannelSpec("web", ("near", "far")), plain])
    ingest(engine, "web", [gift_order(minutes=5)], clock=clock)
    assert levels(engine) == {key: (units, 2 if key[0] == "MUG" else 0) for key, units in stock.items()}
