"""End to end: a shipment with two tracking numbers reaches the WooCommerce and Medusa simulators over real
HTTP on 127.0.0.1, and each number is confirmed, from the channel's answer or by reading the channel back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from connectors.base import ChannelSettings, ShipmentReader, ShipmentSink, Window
from connectors.medusa.connector import MedusaConnector, MedusaOptions
from connectors.woocommerce.client import WooCommerceOptions
from connectors.woocommerce.connector import WooCommerceConnector
from core import shipments, tracking
from core.clock import FixedClock
from core.intake import ingest
from core.outbox import OutboxRetry
from core.runs import Trigger
from core.shipments import OnChannel, ShipmentNotice, ShipmentReport, Tracking
from core.tracking import CheckPolicy
from jobs.dispatch import dispatch
from jobs.report_shipments import shipment_handler
from jobs.runner import Runner
from jobs.tracking import check_tracking
from sandbox.medusa import DEFAULT_API_KEY
from sandbox.server import RunningMedusa, RunningWooCommerce, start_medusa, start_woocommerce, wall_clock
from sandbox.woocommerce import DEFAULT_KEY, DEFAULT_SECRET
from tests.support import setup_hub

SKU = "MUG-EMA-WHT"
PARCELS = (
    Tracking("00340434161234567890", "DHL", "https://www.dhl.de/track?piececode=00340434161234567890"),
    Tracking("00340434161234567906", "DHL", "https://www.dhl.de/track?piececode=00340434161234567906"),
)
POLICY = CheckPolicy(max_checks=3, interval=timedelta(minutes=10))


@pytest.fixture
def shop() -> Iterator[RunningWooCommerce]:
    woo = start_woocommerce(seed=4, stock={SKU: 9})
    yield woo
    woo.stop()


@pytest.fixture
def backend() -> Iterator[RunningMedusa]:
    medusa = start_medusa(seed=5, stock={SKU: 6})
    yield medusa
    medusa.stop()


@dataclass
class Withheld:
    """A channel connector whose shipment answer is withheld, as an asynchronous channel gives none."""

    connector: Any

    def report_shipment(self, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel | None:
        self.connector.report_shipment(notice, time_left=time_left)
        return None

    def shipment_on_channel(self, notice: ShipmentNotice, *, time_left: float | None = None) -> OnChannel:
        reader: ShipmentReader = self.connector
        return reader.shipment_on_channel(notice, time_left=time_left)


@dataclass
class Channel:
    shipments: ShipmentSink
    orders: Any = None
    stock: Any = None
    fulfillment: Any = None
    payments: Any = None

    def check(self) -> list[str]:
        return []

    def close(self) -> None:
        return None


def woo(shop: RunningWooCommerce) -> WooCommerceConnector:
    credentials = {"consumer_key": SecretStr(DEFAULT_KEY), "consumer_secret": SecretStr(DEFAULT_SECRET)}
    return WooCommerceConnector(ChannelSettings("woo", shop.base_url, credentials, WooCommerceOptions(), {}))


def medusa(backend: RunningMedusa) -> MedusaConnector:
    berlin = backend.state.location_id("Berlin warehouse")
    settings = ChannelSettings(
        "store", backend.base_url, {"api_key": SecretStr(DEFAULT_API_KEY)}, MedusaOptions(), {"berlin": berlin}
    )
    return MedusaConnector(settings)


def shipped_with_two_numbers(engine: Engine, clock: FixedClock, channel: str, connector: Any, order_id: str) -> None:
    """The channel's order pulled into a fresh hub, and one shipment of it recorded with two tracking numbers."""
    setup_hub(engine, locations=("berlin",), channel=channel, stock={(SKU, "berlin"): 10})
    window = Window(datetime(2000, 1, 1, tzinfo=UTC), wall_clock() + timedelta(hours=1))
    for page in connector.order_pages(window):
        ingest(engine, channel, page.orders, clock=clock)
    report = ShipmentReport(f"{channel}:{order_id}", "berlin", {SKU: 1}, PARCELS)
    with engine.begin() as conn:
        shipments.record(conn, report, clock.now())


def deliver(engine: Engine, clock: FixedClock, channel: str, sink: ShipmentSink) -> None:
    handlers = {shipments.SHIPMENT_CREATED: shipment_handler({channel: Channel(sink)}, engine, clock)}
    report = Runner(engine, clock, holder="t").run_shared(
        ("dispatch", ""),
        lambda scope: dispatch(scope, handlers, batch=10, policy=OutboxRetry()),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )
    assert report.counts.pushed == 1, report


def read_back(engine: Engine, clock: FixedClock, channel: str, sink: ShipmentSink) -> None:
    clock.advance(POLICY.interval)
    Runner(engine, clock, holder="t").run(
        ("check-tracking", ""),
        lambda scope: check_tracking(scope, {channel: Channel(sink)}, POLICY),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
    )


def statuses(engine: Engine) -> dict[str | None, str]:
    with engine.connect() as conn:
        return {push["number"]: push["status"] for push in tracking.pushes(conn)}


BOTH_CONFIRMED = {"00340434161234567890": "confirmed", "00340434161234567906": "confirmed"}
BOTH_SENT = {"00340434161234567890": "sent", "00340434161234567906": "sent"}


def test_woocommerces_note_confirms_both_numbers_at_once(engine, clock, shop):
    placed = shop.generator.place_order({SKU: 1})
    connector = woo(shop)
    shipped_with_two_numbers(engine, clock, "woo", connector, str(placed["id"]))
    deliver(engine, clock, "woo", connector)
    assert statuses(engine) == BOTH_CONFIRMED
    [note] = [n for n in shop.state.notes(placed["id"]) if n["customer_note"]]
    assert all(t.number in note["note"] for t in PARCELS)


def test_woocommerce_read_back_confirms_both_numbers_from_the_note(engine, clock, shop):
    placed = shop.generator.place_order({SKU: 1})
    connector = woo(shop)
    shipped_with_two_numbers(engine, clock, "woo", connector, str(placed["id"]))
    deliver(engine, clock, "woo", Withheld(connector))
    assert statuses(engine) == BOTH_SENT
    read_back(engine, clock, "woo", Withheld(connector))
    assert statuses(engine) == BOTH_CONFIRMED


def test_medusas_shipment_answer_confirms_both_labels_at_once(engine, clock, backend):
    placed = backend.generator.place_order({SKU: 1})
    connector = medusa(backend)
    shipped_with_two_numbers(engine, clock, "store", connector, placed["id"])
    deliver(engine, clock, "store", connector)
    assert statuses(engine) == BOTH_CONFIRMED
    [fulfillment] = backend.state.orders[placed["id"]].fulfillments
    assert [label.tracking_number for label in fulfillment.labels] == [t.number for t in PARCELS]


def test_medusa_read_back_confirms_both_labels_of_the_fulfillment(engine, clock, backend):
    placed = backend.generator.place_order({SKU: 1})
    connector = medusa(backend)
    shipped_with_two_numbers(engine, clock, "store", connector, placed["id"])
    deliver(engine, clock, "store", Withheld(connector))
    assert statuses(engine) == BOTH_SENT
    read_back(engine, clock, "store", Withheld(connector))
    assert statuses(engine) == BOTH_CONFIRMED
