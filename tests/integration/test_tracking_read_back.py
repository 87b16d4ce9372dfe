"""Reading a shipment back from the channel (WooCommerce notes, Medusa v2 fulfillment labels) against respx
routes fed with realistic payloads, and what the shipment call's own answer already shows."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.base import ChannelSettings, ShipmentReader
from connectors.medusa.connector import MedusaConnector, MedusaOptions
from connectors.woocommerce.client import WooCommerceOptions
from connectors.woocommerce.connector import WooCommerceConnector
from core.errors import FatalError
from core.shipments import OnChannel, ShipmentNotice, ShippedLine, Tracking

FIXTURES = Path(__file__).parent.parent / "fixtures" / "tracking"

SITE = "https://shop.example.com"
API = f"{SITE}/wp-json/wc/v3"
WOO_NOTICE = ShipmentNotice(
    reference="SHP-2024-000917",
    order_external_id="4711",
    location="near",
    lines=(ShippedLine("4712", "HOOD-BLU-L", 2),),
    tracking=(
        Tracking("00340434161234567890", "DHL", "https://www.dhl.de/track?piececode=00340434161234567890"),
        Tracking("00340434161234567906", "DHL", "https://www.dhl.de/track?piececode=00340434161234567906"),
    ),
)

BASE = "https://medusa.example.com"
ORDER = "order_01JDD9X3Z5Q1S3U5W7Y9A1C3EF"
NEAR = "sloc_01JD7BERLIN000000000001"
MEDUSA_NOTICE = ShipmentNotice(
    reference="shp-000123",
    order_external_id=ORDER,
    location="near",
    lines=(ShippedLine("ordli_01JDD9X3Z5B7D9F1H3K5M7P9R1", "SOAP-HIN-UNS", 1),),
    tracking=(
        Tracking("JP1234567890", "yamato", "https://track.example.jp/JP1234567890"),
        Tracking("JP1234567906", "yamato", "https://track.example.jp/JP1234567906"),
    ),
)


def fixture(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


def woo() -> WooCommerceConnector:
    settings = ChannelSettings(
        name="woo",
        base_url=SITE + "/",
        credentials={"consumer_key": SecretStr("ck_5f2a9c1e7b3d"), "consumer_secret": SecretStr("cs_9e8d7c6b5a4f")},
        options=WooCommerceOptions(),
        location_ids={},
    )
    return WooCommerceConnector(settings, sleep=lambda _s: None)


def medusa() -> MedusaConnector:
    settings = ChannelSettings(
        name="medusa-web",
        base_url=BASE,
        credentials={"api_key": SecretStr("sk_4c1d0e5b9f2a7e3c8b6d0f1a2e3c4b5d")},
        options=MedusaOptions(),
        location_ids={"near": NEAR},
    )
    return MedusaConnector(settings, sleep=lambda _s: None)


def notes_with(*texts: str) -> list[dict[str, Any]]:
    """The fixture's notes with the shipment note's text replaced (or the note left out, given nothing)."""
    notes: list[dict[str, Any]] = fixture("woocommerce_notes_4711.json")
    ours = next(n for n in notes if "SHP-2024-000917" in n["note"])
    return [n for n in notes if n is not ours] + [
        {**ours, "id": ours["id"] + i, "note": t} for i, t in enumerate(texts)
    ]


def test_both_connectors_can_read_shipments_back():
    assert isinstance(woo(), ShipmentReader) and isinstance(medusa(), ShipmentReader)


@respx.mock
def test_woocommerce_read_back_finds_both_tracking_numbers_in_the_note_of_the_reference():
    notes = respx.get(f"{API}/orders/4711/notes").mock(
        return_value=httpx.Response(200, json=fixture("woocommerce_notes_4711.json"))
    )
    shown = woo().shipment_on_channel(WOO_NOTICE)
    assert shown == OnChannel(True, frozenset({"00340434161234567890", "00340434161234567906"}))
    assert notes.call_count == 1


@respx.mock
def test_woocommerce_read_back_does_not_take_a_longer_number_for_the_one_asked():
    note = "Your order has shipped: DHL 003404341612345678901. Reference: SHP-2024-000917"
    respx.get(f"{API}/orders/4711/notes").mock(return_value=httpx.Response(200, json=notes_with(note)))
    assert woo().shipment_on_channel(WOO_NOTICE) == OnChannel(True, frozenset())


@respx.mock
def test_woocommerce_read_back_without_a_note_of_the_reference_finds_no_shipment():
    respx.get(f"{API}/orders/4711/notes").mock(return_value=httpx.Response(200, json=notes_with()))
    assert woo().shipment_on_channel(WOO_NOTICE) == OnChannel(False)


@respx.mock
def test_woocommerce_read_back_of_a_deleted_order_is_refused_with_the_channels_error():
    body = {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data": {"status": 404}}
    respx.get(f"{API}/orders/4711/notes").mock(return_value=httpx.Response(404, json=body))
    with pytest.raises(FatalError, match="woocommerce_rest_shop_order_invalid_id"):
        woo().shipment_on_channel(WOO_NOTICE)


@respx.mock
def test_woocommerce_shipment_answer_shows_the_numbers_of_the_note_it_created():
    def notes(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            created = {"id": 4892, "author": "system", "customer_note": True, **json.loads(request.content)}
            return httpx.Response(201, json=created)
        return httpx.Response(200, json=notes_with())

    route = respx.route(url=f"{API}/orders/4711/notes").mock(side_effect=notes)
    shown = woo().report_shipment(WOO_NOTICE)
    assert shown == OnChannel(True, frozenset({"00340434161234567890", "00340434161234567906"}))
    [posted] = [json.loads(c.request.content) for c in route.calls if c.request.method == "POST"]
    assert "DHL 00340434161234567890" in posted["note"] and "DHL 00340434161234567906" in posted["note"]


@respx.mock
def test_woocommerce_repeat_notes_only_the_tracking_number_the_earlier_note_lacks():
    earlier = "Your order has shipped: DHL 00340434161234567890. Reference: SHP-2024-000917"
    listed = notes_with(earlier)

    def notes(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            created = {"id": 4900, "author": "system", "customer_note": True, **json.loads(request.content)}
            listed.insert(0, created)
            return httpx.Response(201, json=created)
        return httpx.Response(200, json=listed)

    route = respx.route(url=f"{API}/orders/4711/notes").mock(side_effect=notes)
    assert woo().report_shipment(WOO_NOTICE) == OnChannel(
        True, frozenset({"00340434161234567890", "00340434161234567906"})
    )
    woo().report_shipment(WOO_NOTICE)
    [posted] = [json.loads(c.request.content) for c in route.calls if c.request.method == "POST"]
    assert "00340434161234567906" in posted["note"] and "00340434161234567890" not in posted["note"]
    assert "SHP-2024-000917" in posted["note"]


@respx.mock
def test_medusa_read_back_gives_the_labels_of_the_fulfillment_created_for_the_reference():
    order = respx.get(f"{BASE}/admin/orders/{ORDER}").mock(
        return_value=httpx.Response(200, json=fixture("medusa_order_fulfillments_labels.json"))
    )
    shown = medusa().shipment_on_channel(MEDUSA_NOTICE)
    assert shown == OnChannel(True, frozenset({"JP1234567890", "JP1234567906"}))
    assert order.calls[0].request.url.params["fields"] == "id,*fulfillments,*fulfillments.labels"


@respx.mock
def test_medusa_read_back_shows_only_the_labels_the_fulfillment_kept():
    body = fixture("medusa_order_fulfillments_labels.json")
    ours = body["order"]["fulfillments"][1]
    ours["labels"] = ours["labels"][:1]
    respx.get(f"{BASE}/admin/orders/{ORDER}").mock(return_value=httpx.Response(200, json=body))
    assert medusa().shipment_on_channel(MEDUSA_NOTICE) == OnChannel(True, frozenset({"JP1234567890"}))


@respx.mock
def test_medusa_read_back_of_an_unshipped_or_canceled_fulfillment_finds_no_shipment():
    body = fixture("medusa_order_fulfillments_labels.json")
    unshipped = copy.deepcopy(body)
    unshipped["order"]["fulfillments"][1].update(shipped_at=None, labels=[])
    canceled = copy.deepcopy(body)
    canceled["order"]["fulfillments"][1]["canceled_at"] = "2026-11-20T11:30:00.000Z"
    respx.get(f"{BASE}/admin/orders/{ORDER}").mock(
        side_effect=[httpx.Response(200, json=unshipped), httpx.Response(200, json=canceled)]
    )
    assert medusa().shipment_on_channel(MEDUSA_NOTICE) == OnChannel(False)
    assert medusa().shipment_on_channel(MEDUSA_NOTICE) == OnChannel(False)


@respx.mock
def test_medusa_shipment_answer_shows_the_labels_it_created():
    body = fixture("medusa_order_fulfillments_labels.json")
    unshipped = copy.deepcopy(body)
    unshipped["order"]["fulfillments"][1].update(shipped_at=None, labels=[])
    respx.get(f"{BASE}/admin/orders/{ORDER}").mock(return_value=httpx.Response(200, json=unshipped))
    ship = respx.post(f"{BASE}/admin/orders/{ORDER}/fulfillments/ful_01JDG1/shipments").mock(
        return_value=httpx.Response(200, json=body)
    )
    shown = medusa().report_shipment(MEDUSA_NOTICE)
    assert shown == OnChannel(True, frozenset({"JP1234567890", "JP1234567906"}))
    sent = json.loads(ship.calls[0].request.content)
    assert [label["tracking_number"] for label in sent["labels"]] == ["JP1234567890", "JP1234567906"]
    assert ship.calls[0].request.url.params["fields"] == "id,*fulfillments,*fulfillments.labels"


@respx.mock
def test_medusa_shipment_answer_without_the_fulfillment_tells_nothing():
    body = fixture("medusa_order_fulfillments_labels.json")
    body["order"]["fulfillments"][1].update(shipped_at=None, labels=[])
    respx.get(f"{BASE}/admin/orders/{ORDER}").mock(return_value=httpx.Response(200, json=body))
    respx.post(f"{BASE}/admin/orders/{ORDER}/fulfillments/ful_01JDG1/shipments").mock(
        return_value=httpx.Response(200, json={"order": {"id": ORDER, "version": 4}})
    )
    assert medusa().report_shipment(MEDUSA_NOTICE) is None
