"""The Medusa v2 connector against respx routes fed with realistic payloads."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.base import ChannelSettings, Window
from connectors.medusa.connector import MEDUSA, MedusaConnector, MedusaOptions
from core.errors import FatalError
from core.model import CanonicalOrder
from core.publish import WHOLE_CHANNEL, Published
from core.quarantine import Rejected
from core.shipments import ShipmentNotice, ShippedLine, Tracking

FIXTURES = Path(__file__).parent.parent / "fixtures" / "medusa"
BASE = "https://medusa.example.com"
KEY = "sk_4c1d0e5b9f2a7e3c8b6d0f1a2e3c4b5d"
WEB = "sc_01JD5WEBSHOP00000000000001"
WINDOW = Window(datetime(2026, 11, 20, 9, 0, tzinfo=UTC), datetime(2026, 11, 20, 10, 0, 0, 250000, tzinfo=UTC))
NEAR, FAR = "sloc_01JD7BERLIN000000000001", "sloc_01JD7HAMBURG00000000001"


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fixture(name: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return raw


def connector(
    credentials: dict[str, str] | None = None, clock: Ticks | None = None, **options: Any
) -> tuple[MedusaConnector, list[float]]:
    settings = ChannelSettings(
        name="medusa-web",
        base_url=BASE,
        credentials={k: SecretStr(v) for k, v in (credentials or {"api_key": KEY}).items()},
        options=MedusaOptions(**options),
        location_ids={"near": NEAR, "far": FAR},
    )
    waits: list[float] = []
    return MedusaConnector(settings, sleep=waits.append, clock=clock or Ticks()), waits


def orders_page(orders: list[dict[str, Any]], *, count: int, offset: int = 0) -> httpx.Response:
    return httpx.Response(200, json={"orders": orders, "count": count, "offset": offset, "limit": 2})


def at_offset(offset: int) -> respx.Route:
    return respx.get(f"{BASE}/admin/orders", params={"offset": str(offset)})


@respx.mock
def test_pulls_every_offset_page_with_the_window_order_and_fields_encoded_as_sent():
    first = at_offset(0).mock(
        return_value=orders_page([fixture("paid_eur_tax_inclusive"), fixture("guest_usd_tax_exclusive")], count=3)
    )
    at_offset(2).mock(return_value=orders_page([fixture("canceled_eur")], count=3, offset=2))
    medusa, _ = connector(page_size=2)
    pages = list(medusa.order_pages(WINDOW))
    assert [p.fetched for p in pages] == [2, 1]
    assert all(isinstance(o, CanonicalOrder) for p in pages for o in p.orders)
    assert pages[0].last_changed == datetime(2026, 11, 20, 9, 31, 44, 207000, tzinfo=UTC)
    sent = first.calls[0].request
    params = sent.url.params
    assert params["updated_at[$gte]"] == "2026-11-20T09:00:00.000Z"
    assert params["updated_at[$lte]"] == "2026-11-20T10:00:00.250Z"
    assert (params["order"], params["limit"], params["offset"]) == ("updated_at", "2", "0")
    assert "%2Bemail" in str(sent.url) and "%2Bcurrency_code" in str(sent.url) and "+email" not in str(sent.url)
    assert "*items.tax_lines" in params["fields"] and "sales_channel_id[]" not in params


class Backend:
    """`GET /admin/orders` as Medusa answers it: orders with updated_at ≥ `updated_at[$gte]`, sorted by updated_at
    then id, `limit` from `offset`, the total in `count`. `between` runs before each answer."""

    def __init__(self, *orders: dict[str, Any], between: Any = None) -> None:
        self.orders, self.between, self.requests = list(orders), between or (lambda number: None), 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self.between(self.requests)
        params = request.url.params
        since = params.get("updated_at[$gte]", "")
        listed = sorted((o for o in self.orders if o["updated_at"] >= since), key=lambda o: (o["updated_at"], o["id"]))
        offset, limit = int(params["offset"]), int(params["limit"])
        return orders_page(listed[offset : offset + limit], count=len(listed), offset=offset)


@respx.mock
def test_an_order_changed_during_the_walk_skips_no_other_order():
    first, second, third = (fixture(n) for n in ("canceled_eur", "paid_eur_tax_inclusive", "guest_usd_tax_exclusive"))
    first["updated_at"], second["updated_at"], third["updated_at"] = (
        "2026-11-20T09:10:00.000Z",
        "2026-11-20T09:20:00.000Z",
        "2026-11-20T09:30:00.000Z",
    )

    def edit_the_first_after_page_one(number: int) -> None:
        if number == 2:  # it moves to the end: with offset=2 the third order would be skipped
            first["updated_at"] = "2026-11-20T09:50:00.000Z"

    route = respx.get(f"{BASE}/admin/orders").mock(
        side_effect=Backend(first, second, third, between=edit_the_first_after_page_one)
    )
    medusa, _ = connector(page_size=2)
    seen = {o.external_id for p in medusa.order_pages(WINDOW) for o in p.orders}
    assert seen == {first["id"], second["id"], third["id"]}
    assert route.calls[1].request.url.params["updated_at[$gte]"] == "2026-11-20T09:20:00.000Z"
    assert route.calls[1].request.url.params["offset"] == "0"


@respx.mock
def test_more_orders_in_one_millisecond_than_a_page_holds_are_read_by_offset():
    same = [fixture(n) for n in ("paid_eur_tax_inclusive", "guest_usd_tax_exclusive", "jpy_partially_fulfilled")]
    route = respx.get(f"{BASE}/admin/orders").mock(side_effect=Backend(*same))
    medusa, _ = connector(page_size=2)
    assert sum(p.fetched for p in medusa.order_pages(WINDOW)) == 3
    assert [c.request.url.params["offset"] for c in route.calls] == ["0", "2"]


@respx.mock
def test_orders_of_another_sales_channel_are_not_ingested_even_when_the_filter_is_ignored():
    other = {**fixture("guest_usd_tax_exclusive"), "sales_channel_id": "sc_01JD5POS0000000000000001"}
    route = at_offset(0).mock(return_value=orders_page([fixture("paid_eur_tax_inclusive"), other], count=2))
    medusa, _ = connector(sales_channel_id=WEB)
    [page] = list(medusa.order_pages(WINDOW))
    assert [o.external_id for o in page.orders if isinstance(o, CanonicalOrder)] == ["order_01JDA8K3W5B3N4R6S7T8V9W0XY"]
    assert page.fetched == 2 and route.calls[0].request.url.params.get_list("sales_channel_id[]") == [WEB]


@respx.mock
def test_a_bad_order_is_quarantined_naming_the_field_while_the_rest_maps():
    at_offset(0).mock(return_value=orders_page([fixture("broken_price"), fixture("jpy_partially_fulfilled")], count=2))
    [page] = list(connector()[0].order_pages(WINDOW))
    rejected, mapped = page.orders
    assert isinstance(rejected, Rejected) and "items[0].unit_price" in rejected.reason
    assert isinstance(mapped, CanonicalOrder) and mapped.currency == "JPY"


@respx.mock
def test_float_looking_amounts_on_the_wire_round_exactly():
    at_offset(0).mock(return_value=orders_page([fixture("paid_eur_tax_inclusive")], count=1))
    [page] = list(connector()[0].order_pages(WINDOW))
    [order] = page.orders
    assert isinstance(order, CanonicalOrder)
    assert order.lines[1].unit_price == 3000 and order.totals is not None and order.totals.total == 7900


@respx.mock
def test_an_api_key_is_sent_as_basic_auth_with_an_empty_password():
    route = at_offset(0).mock(return_value=orders_page([], count=0))
    list(connector()[0].order_pages(WINDOW))
    expected = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    assert route.calls[0].request.headers["Authorization"] == expected


def login_route(*tokens: str) -> respx.Route:
    return respx.post(f"{BASE}/auth/user/emailpass").mock(
        side_effect=[httpx.Response(200, json={"token": token}) for token in tokens]
    )


PASSWORD = {"email": "ops@example.com", "password": "correct horse battery"}


@respx.mock
def test_the_session_token_is_fetched_once_and_renewed_before_its_lifetime_ends():
    login = login_route("jwt-one", "jwt-two")
    route = at_offset(0).mock(return_value=orders_page([], count=0))
    clock = Ticks()
    medusa, _ = connector(PASSWORD, clock, token_lifetime=3600)
    list(medusa.order_pages(WINDOW))
    clock.now += 1800
    list(medusa.order_pages(WINDOW))
    assert login.call_count == 1
    assert json.loads(login.calls[0].request.content) == PASSWORD
    clock.now += 1600  # 3400 s after login: inside the renewal margin
    list(medusa.order_pages(WINDOW))
    assert login.call_count == 2
    assert [c.request.headers["Authorization"] for c in route.calls] == ["Bearer jwt-one"] * 2 + ["Bearer jwt-two"]


@respx.mock
def test_a_401_fetches_a_new_token_once_and_sends_the_request_again():
    login = login_route("jwt-old", "jwt-new")
    route = at_offset(0).mock(
        side_effect=[httpx.Response(401, json={"message": "Unauthorized"}), orders_page([], count=0)]
    )
    list(connector(PASSWORD)[0].order_pages(WINDOW))
    assert login.call_count == 2
    assert [c.request.headers["Authorization"] for c in route.calls] == ["Bearer jwt-old", "Bearer jwt-new"]


def test_building_without_credentials_names_the_keys_to_set():
    with pytest.raises(FatalError) as failure:
        MEDUSA.build(ChannelSettings("m", BASE, {"email": SecretStr("ops@example.com")}, MedusaOptions(), {}), None)
    assert "credentials.api_key" in str(failure.value) and "credentials.password" in str(failure.value)


@respx.mock
def test_429_and_5xx_answers_are_retried():
    at_offset(0).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}, text="Too Many Requests"),
            httpx.Response(503, text="<html>upstream unavailable</html>"),
            orders_page([fixture("canceled_eur")], count=1),
        ]
    )
    medusa, waits = connector()
    [page] = list(medusa.order_pages(WINDOW))
    assert page.fetched == 1 and len(waits) == 2 and waits[0] >= 3


@respx.mock
def test_fetch_orders_rereads_the_given_orders_by_id():
    route = respx.get(f"{BASE}/admin/orders").mock(
        return_value=orders_page([fixture("guest_usd_tax_exclusive"), fixture("canceled_eur")], count=2)
    )
    page = connector()[0].fetch_orders(["order_01JDB2P7Q1M5N9P3Q7R1S5T9UV"])
    sent = route.calls[0].request.url
    assert sent.params.get_list("id[]") == ["order_01JDB2P7Q1M5N9P3Q7R1S5T9UV"] and "%2Bemail" in str(sent)
    [order] = page.orders  # an order it did not ask for is left out
    assert isinstance(order, CanonicalOrder) and order.payment_status == "authorized"


def inventory(levels: dict[str, list[tuple[str, int, int]]]) -> respx.Route:
    """Inventory items with (location, stocked, reserved) levels."""
    body = {
        "inventory_items": [
            {
                "id": item,
                "location_levels": [
                    {
                        "id": f"ilev_{item[-4:]}{loc[-4:]}",
                        "inventory_item_id": item,
                        "location_id": loc,
                        "stocked_quantity": stocked,
                        "reserved_quantity": reserved,
                        "incoming_quantity": 0,
                        "available_quantity": stocked - reserved,
                    }
                    for loc, stocked, reserved in rows
                ],
            }
            for item, rows in levels.items()
        ],
        "count": len(levels),
        "offset": 0,
        "limit": 50,
    }
    return respx.get(f"{BASE}/admin/inventory-items").mock(return_value=httpx.Response(200, json=body))


def batch(answer: httpx.Response | None = None) -> respx.Route:
    ok = httpx.Response(200, json={"created": [], "updated": [], "deleted": []})
    return respx.post(f"{BASE}/admin/inventory-items/location-levels/batch").mock(return_value=answer or ok)


def variants(*pairs: tuple[str, str]) -> respx.Route:
    listed = [
        {"id": f"variant_{i}", "sku": sku, "inventory_items": [{"inventory_item_id": item, "required_quantity": 1}]}
        for i, (sku, item) in enumerate(pairs)
    ]
    body = {"variants": listed, "count": len(listed), "offset": 0, "limit": 100}
    return respx.get(f"{BASE}/admin/product-variants").mock(return_value=httpx.Response(200, json=body))


SOCK, HAT = "iitem_01JD8SOCK0000000000001", "iitem_01JD8HAT00000000000001"


@respx.mock
def test_push_adds_medusas_reservations_and_creates_levels_that_do_not_exist_yet():
    read = inventory({SOCK: [(NEAR, 12, 3)], HAT: []})
    write = batch()
    result = connector()[0].push_levels(
        [Published("SOCK-MER-CHR-39", "near", 7), Published("HAT-ALP-SND", "far", 4)],
        items={"SOCK-MER-CHR-39": SOCK, "HAT-ALP-SND": HAT},
    )
    assert read.calls[0].request.url.params.get_list("id[]") == [HAT, SOCK]
    assert read.calls[0].request.url.params["fields"] == "id,*location_levels"
    assert json.loads(write.calls[0].request.content) == {
        "create": [{"inventory_item_id": HAT, "location_id": FAR, "stocked_quantity": 4}],
        "update": [{"inventory_item_id": SOCK, "location_id": NEAR, "stocked_quantity": 10}],
    }
    assert len(result.pushed) == 2 and not result.failed


@respx.mock
def test_push_writes_in_chunks_of_batch_size():
    inventory({SOCK: [(NEAR, 1, 0), (FAR, 1, 0)], HAT: [(NEAR, 1, 0)]})
    write = batch()
    levels = [Published("S", "near", 1), Published("S", "far", 2), Published("H", "near", 3)]
    result = connector(batch_size=2)[0].push_levels(levels, items={"S": SOCK, "H": HAT})
    assert [len(json.loads(c.request.content)["update"]) for c in write.calls] == [2, 1]
    assert len(result.pushed) == 3


@respx.mock
def test_a_refused_batch_fails_its_levels_with_the_servers_message():
    inventory({SOCK: [(NEAR, 5, 0)]})
    batch(httpx.Response(400, json={"type": "invalid_data", "message": "Inventory level not found for location"}))
    result = connector()[0].push_levels([Published("S", "near", 1)], items={"S": SOCK})
    [(level, why)] = result.failed
    assert level.sku == "S" and "Inventory level not found" in why and not result.pushed


@respx.mock
def test_unmapped_locations_and_negative_values_fail_and_nothing_negative_is_sent():
    inventory({SOCK: [(NEAR, 5, 2)]})
    write = batch()
    result = connector()[0].push_levels(
        [Published("S", "nowhere", 1), Published("S", WHOLE_CHANNEL, 1), Published("S", "near", -1)],
        items={"S": SOCK},
    )
    reasons = [why for _level, why in result.failed]
    assert "location_ids" in reasons[0] and "location_ids" in reasons[1] and "negative" in reasons[2]
    assert write.call_count == 0 and not result.pushed


@respx.mock
def test_unknown_skus_are_looked_up_in_the_variant_catalogue_at_most_once_per_refresh_interval():
    catalogue = variants(("SOCK-MER-CHR-39", SOCK))
    inventory({SOCK: [(NEAR, 0, 0)]})
    batch()
    clock = Ticks()
    medusa, _ = connector(clock=clock, catalogue_refresh=600)
    result = medusa.push_levels([Published("SOCK-MER-CHR-39", "near", 2)], items={"GONE-SKU": "iitem_gone"})
    assert result.resolved == {"SOCK-MER-CHR-39": SOCK} and result.forgotten == {"GONE-SKU"}
    assert catalogue.calls[0].request.url.params["fields"] == "id,sku,*inventory_items"
    medusa.push_levels([Published("NO-SUCH-SKU", "near", 1)], items={})
    assert catalogue.call_count == 1
    clock.now += 601
    medusa.push_levels([Published("NO-SUCH-SKU", "near", 1)], items={})
    assert catalogue.call_count == 2


@respx.mock
def test_read_levels_gives_medusas_available_quantity_per_sku_and_hub_location():
    inventory({SOCK: [(NEAR, 12, 3), (FAR, 4, 0), ("sloc_unmapped", 9, 0)]})
    found = connector()[0].read_levels(
        [Published("S", "near", 0), Published("S", "far", 0), Published("X", "near", 0)], items={"S": SOCK}
    )
    assert found == {("S", "near"): 9, ("S", "far"): 4}


ORDER = "order_01JDD9X3Z5Q1S3U5W7Y9A1C3EF"
LINE = "ordli_01JDD9X3Z5B7D9F1H3K5M7P9R1"
TRACK_URL = "https://track.example.jp/JP1234567890"
NOTICE = ShipmentNotice(
    reference="shp-000123",
    order_external_id=ORDER,
    location="near",
    lines=(ShippedLine(LINE, "SOAP-HIN-UNS", 1),),
    tracking=(Tracking("JP1234567890", "yamato", TRACK_URL),),
)


def fulfillments(*found: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json={"order": {"id": ORDER, "fulfillments": list(found)}})


def ours(shipped_at: str | None = None) -> dict[str, Any]:
    return {"id": "ful_01JDG1", "location_id": NEAR, "shipped_at": shipped_at, "canceled_at": None,
            "metadata": {"omshub_reference": "shp-000123"}}  # fmt: skip


@respx.mock
def test_report_shipment_creates_the_fulfillment_then_its_shipment_with_tracking():
    other = {**ours(), "id": "ful_other", "metadata": {}}
    respx.get(f"{BASE}/admin/orders/{ORDER}").mock(side_effect=[fulfillments(other), fulfillments(other, ours())])
    create = respx.post(f"{BASE}/admin/orders/{ORDER}/fulfillments").mock(return_value=fulfillments())
    ship = respx.post(f"{BASE}/admin/orders/{ORDER}/fulfillments/ful_01JDG1/shipments").mock(
        return_value=fulfillments()
    )
    connector()[0].report_shipment(NOTICE)
    assert json.loads(create.calls[0].request.content) == {
        "location_id": NEAR,
        "items": [{"id": LINE, "quantity": 1}],
        "metadata": {"omshub_reference": "shp-000123"},
    }
    assert json.loads(ship.calls[0].request.content) == {
        "items": [{"id": LINE, "quantity": 1}],
        "labels": [{"tracking_number": "JP1234567890", "tracking_url": TRACK_URL, "label_url": ""}],
    }


@respx.mock
def test_reporting_the_same_shipment_again_creates_nothing_new():
    respx.get(f"{BASE}/admin/orders/{ORDER}").mock(return_value=fulfillments(ours("2026-11-20T11:02:00.000Z")))
    create = respx.post(f"{BASE}/admin/orders/{ORDER}/fulfillments")
    ship = respx.post(url__regex=rf"{BASE}/admin/orders/{ORDER}/fulfillments/.+/shipments")
    connector()[0].report_shipment(NOTICE)
    assert create.call_count == 0 and ship.call_count == 0


@respx.mock
def test_a_fulfillment_created_before_a_lost_answer_only_gets_its_shipment():
    respx.get(f"{BASE}/admin/orders/{ORDER}").mock(return_value=fulfillments(ours()))
    create = respx.post(f"{BASE}/admin/orders/{ORDER}/fulfillments")
    ship = respx.post(f"{BASE}/admin/orders/{ORDER}/fulfillments/ful_01JDG1/shipments").mock(
        return_value=fulfillments()
    )
    connector()[0].report_shipment(NOTICE)
    assert create.call_count == 0 and ship.call_count == 1


@respx.mock
def test_check_reports_unknown_locations_and_sales_channel():
    respx.get(f"{BASE}/admin/stock-locations").mock(
        return_value=httpx.Response(200, json={"stock_locations": [{"id": NEAR}], "count": 1, "offset": 0})
    )
    respx.get(f"{BASE}/admin/sales-channels/{WEB}").mock(
        return_value=httpx.Response(404, json={"type": "not_found", "message": "Sales channel not found"})
    )
    problems = connector(sales_channel_id=WEB)[0].check()
    assert problems == [
        f"location_ids.far = {FAR}: no such Medusa stock location",
        f"options.sales_channel_id = {WEB}: no such Medusa sales channel (404)",
    ]


@respx.mock
def test_check_names_the_credential_keys_when_they_are_refused():
    respx.get(f"{BASE}/admin/stock-locations").mock(return_value=httpx.Response(401, json={"message": "Unauthorized"}))
    [problem] = connector()[0].check()
    assert "credentials.api_key" in problem and KEY not in problem
    respx.post(f"{BASE}/auth/user/emailpass").mock(return_value=httpx.Response(401, json={"message": "Unauthorized"}))
    [problem] = connector(PASSWORD)[0].check()
    assert "credentials.email" in problem and "credentials.password" in problem


@respx.mock
def test_an_inventory_item_medusa_no_longer_has_is_looked_up_again_and_the_level_set_on_the_new_one():
    inventory({HAT: [(NEAR, 3, 1)]})  # the bound SOCK item is gone; the re-created variant points at HAT's id
    catalogue = variants(("SOCK-MER-CHR-39", HAT))
    write = batch()
    result = connector()[0].push_levels([Published("SOCK-MER-CHR-39", "near", 5)], items={"SOCK-MER-CHR-39": SOCK})
    assert catalogue.call_count == 1 and result.resolved == {"SOCK-MER-CHR-39": HAT}
    assert json.loads(write.calls[0].request.content) == {
        "update": [{"inventory_item_id": HAT, "location_id": NEAR, "stocked_quantity": 6}]
    }
    assert [p.sku for p in result.pushed] == ["SOCK-MER-CHR-39"] and not result.failed


@respx.mock
def test_a_gone_item_whose_sku_left_the_catalogue_is_unlisted_and_forgotten():
    inventory({})
    variants()
    write = batch()
    result = connector()[0].push_levels([Published("SOCK-MER-CHR-39", "near", 5)], items={"SOCK-MER-CHR-39": SOCK})
    assert write.call_count == 0
    assert [p.sku for p in result.unlisted] == ["SOCK-MER-CHR-39"] and result.forgotten == {"SOCK-MER-CHR-39"}
