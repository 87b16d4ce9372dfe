"""The Brightpearl connector against respx routes fed with realistic payloads: sales orders out, goods-out
notes back, cancellation and the configuration check."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from connectors.base import ChannelSettings
from connectors.brightpearl.client import BrightpearlOptions
from connectors.brightpearl.connector import BRIGHTPEARL, BrightpearlConnector
from core.errors import CredentialsRejected, FatalError, UnknownOutcome
from core.providers import FulfillmentAccepted, FulfillmentLine, FulfillmentRequest, ProviderShipment
from core.shipments import Tracking

FIXTURES = Path(__file__).parent.parent / "fixtures" / "brightpearl"
API = "https://euw1.brightpearlconnect.com/public-api/myaccount"
APP_REF, TOKEN = "acme_omshub", "kR7dP2xQ9vLm4sT8wZ1bN6cH3jF5gY0a"
ORDER_SEARCH = f"{API}/order-service/order-search"
CONTACT_SEARCH = f"{API}/contact-service/contact-search"
PRODUCT_SEARCH = f"{API}/product-service/product-search"
SALES_ORDER = f"{API}/order-service/sales-order"
GOODS_OUT_SEARCH = f"{API}/warehouse-service/goods-note/goods-out-search"
LOCATIONS = {"berlin": "2", "leipzig": "3"}


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def answer(name: str, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=fixture(name), headers=headers)


def connector(
    sleeps: list[float] | None = None, *, location_ids: dict[str, str] | None = None, **options: Any
) -> BrightpearlConnector:
    settings = ChannelSettings(
        name="bp",
        base_url=API,
        credentials={"app_ref": SecretStr(APP_REF), "account_token": SecretStr(TOKEN)},
        options=BrightpearlOptions(**({"installed_integration_instance_id": 9, "cancel_status_id": 5} | options)),
        location_ids=LOCATIONS if location_ids is None else location_ids,
    )
    return BrightpearlConnector(settings, sleep=(sleeps if sleeps is not None else []).append)


def request(**changes: Any) -> FulfillmentRequest:
    fields: dict[str, Any] = {
        "reference": "ful-42-berlin-1",
        "order_id": 42,
        "channel": "shop",
        "order_external_id": "4711",
        "display_number": "#1001",
        "location": "berlin",
        "currency": "EUR",
        "placed_at": datetime(2024, 6, 14, 8, 30, tzinfo=UTC),
        "lines": (
            FulfillmentLine("line-1", "LS-BLUE-M", "Linen shirt blue M", quantity=2, unit_net=2499, tax=950),
            FulfillmentLine("line-2", "MUG-XL", "Mug XL", quantity=1, unit_net=1250, tax=238),
        ),
        "shipping_net": 490,
        "shipping_tax": 93,
        "email": "anna.schmidt@example.de",
        "name": "Anna Schmidt",
        "ship_to": {
            "first_name": "Anna",
            "last_name": "Schmidt",
            "address_1": "Torstraße 140",
            "city": "Berlin",
            "postal_code": "10119",
            "country_code": "de",
            "phone": "+49 30 1234567",
        },
    }
    return FulfillmentRequest(**(fields | changes))


def lookups(*, orders: list[httpx.Response] | None = None, contact: str = "contact_search_found") -> respx.Route:
    """The searches before a POST: the reference (none found unless told), the contact and the two SKUs."""
    route = respx.get(ORDER_SEARCH).mock(side_effect=orders or [answer("order_search_none")])
    respx.get(CONTACT_SEARCH).mock(return_value=answer(contact))
    respx.get(PRODUCT_SEARCH, params={"SKU": "LS-BLUE-M"}).mock(return_value=answer("product_search_shirt"))
    respx.get(PRODUCT_SEARCH, params={"SKU": "MUG-XL"}).mock(return_value=answer("product_search_near_match"))
    return route


def created(order_id: int = 123456) -> httpx.Response:
    return httpx.Response(200, json={"response": order_id})


def sent_body(route: respx.Route, call: int = 0) -> Any:
    return json.loads(route.calls[call].request.content)


@respx.mock
def test_creates_a_sales_order_with_the_reference_instance_rows_shipping_and_warehouse():
    found = lookups()
    post = respx.post(SALES_ORDER).mock(return_value=created())
    accepted = connector(shipping_nominal_code="4040", channel_id=3).create_fulfillment(request())
    assert accepted == FulfillmentAccepted("ful-42-berlin-1", "123456")
    assert sent_body(post) == {
        "externalRef": "ful-42-berlin-1",
        "installedIntegrationInstanceId": 9,
        "ref": "#1001",
        "placedOn": "2024-06-14T08:30:00Z",
        "customer": {"id": 207},
        "currency": {"code": "EUR"},
        "warehouseId": 2,
        "channelId": 3,
        "delivery": {
            "address": {
                "addressFullName": "Anna Schmidt",
                "addressLine1": "Torstraße 140",
                "addressLine3": "Berlin",
                "postalCode": "10119",
                "countryIsoCode": "DE",
                "telephone": "+49 30 1234567",
                "email": "anna.schmidt@example.de",
            }
        },
        "rows": [
            {
                "productId": 1007,
                "name": "Linen shirt blue M",
                "quantity": "2",
                "taxCode": "T20",
                "net": "49.9800",
                "tax": "9.5000",
                "externalRef": "line-1",
            },
            {
                "name": "Mug XL [MUG-XL]",
                "quantity": "1",
                "taxCode": "T20",
                "net": "12.5000",
                "tax": "2.3800",
                "externalRef": "line-2",
            },
            {
                "name": "Shipping",
                "quantity": "1",
                "taxCode": "T20",
                "net": "4.9000",
                "tax": "0.9300",
                "nominalCode": "4040",
            },
        ],
    }
    params = found.calls[0].request.url.params
    assert (params["externalRef"], params["installedIntegrationInstanceId"]) == ("ful-42-berlin-1", "9")
    headers = post.calls[0].request.headers
    assert (headers["brightpearl-app-ref"], headers["brightpearl-account-token"]) == (APP_REF, TOKEN)


@respx.mock
def test_a_customer_brightpearl_does_not_know_is_created_with_the_shipping_address():
    lookups(contact="contact_search_none")
    address = respx.post(f"{API}/contact-service/postal-address").mock(return_value=created(3012))
    contact = respx.post(f"{API}/contact-service/contact").mock(return_value=created(208))
    post = respx.post(SALES_ORDER).mock(return_value=created())
    connector().create_fulfillment(request())
    assert sent_body(address) == {
        "addressLine1": "Torstraße 140",
        "addressLine3": "Berlin",
        "postalCode": "10119",
        "countryIsoCode": "DE",
    }
    assert sent_body(contact) == {
        "firstName": "Anna",
        "lastName": "Schmidt",
        "postAddressIds": {"DEF": 3012, "BIL": 3012, "DEL": 3012},
        "communication": {"emails": {"PRI": {"email": "anna.schmidt@example.de"}}},
        "relationshipToAccount": {"isSupplier": False, "isStaff": False},
    }
    assert sent_body(post)["customer"] == {"id": 208}


@respx.mock
def test_an_order_without_email_goes_to_the_configured_guest_contact():
    respx.get(ORDER_SEARCH).mock(return_value=answer("order_search_none"))
    respx.get(PRODUCT_SEARCH).mock(return_value=answer("product_search_shirt"))
    post = respx.post(SALES_ORDER).mock(return_value=created())
    connector(guest_contact_id=99).create_fulfillment(request(email=None))
    assert sent_body(post)["customer"] == {"id": 99}


@respx.mock
def test_an_order_without_email_and_without_a_guest_contact_is_a_fatal_error_naming_the_option():
    respx.get(ORDER_SEARCH).mock(return_value=answer("order_search_none"))
    with pytest.raises(FatalError, match="guest_contact_id"):
        connector().create_fulfillment(request(email=None))


def test_a_location_without_a_warehouse_is_a_fatal_error_naming_location_ids():
    with pytest.raises(FatalError, match="location_ids"):
        connector().create_fulfillment(request(location="paris"))


@respx.mock
def test_a_timeout_after_the_post_is_an_unknown_outcome_and_the_next_try_finds_the_order():
    lookups(orders=[answer("order_search_none"), answer("order_search_found")])
    post = respx.post(SALES_ORDER).mock(side_effect=httpx.ReadTimeout("timed out"))
    hub = connector()
    with pytest.raises(UnknownOutcome):
        hub.create_fulfillment(request())
    assert hub.create_fulfillment(request()) == FulfillmentAccepted("ful-42-berlin-1", "123456")
    assert post.call_count == 1


@respx.mock
def test_a_refusal_of_a_repeated_reference_returns_the_order_already_created():
    lookups(orders=[answer("order_search_none"), answer("order_search_found")])
    respx.post(SALES_ORDER).mock(return_value=answer("duplicate_external_ref", 400))
    assert connector().create_fulfillment(request()) == FulfillmentAccepted("ful-42-berlin-1", "123456")


@respx.mock
def test_a_refusal_for_another_reason_is_raised_with_brightpearls_message():
    lookups(orders=[answer("order_search_none"), answer("order_search_none")])
    refusal = {"errors": [{"code": "ORDC-004", "message": "Invalid tax code 'T99'"}]}
    respx.post(SALES_ORDER).mock(return_value=httpx.Response(400, json=refusal))
    with pytest.raises(FatalError, match="Invalid tax code"):
        connector(tax_code="T99").create_fulfillment(request())


@respx.mock
def test_brightpearls_throttling_503_is_waited_out_for_its_period_and_the_post_sent_again():
    lookups()
    throttled = httpx.Response(
        503,
        json={"response": "You have sent too many requests. Please wait before sending another request"},
        headers={"brightpearl-requests-remaining": "0", "brightpearl-next-throttle-period": "1500"},
    )
    post = respx.post(SALES_ORDER).mock(side_effect=[throttled, created()])
    sleeps: list[float] = []
    assert connector(sleeps).create_fulfillment(request()).provider_ref == "123456"
    assert post.call_count == 2
    assert len(sleeps) == 1 and 1.5 <= sleeps[0] <= 1.65


@respx.mock
def test_refused_credentials_are_fatal_and_the_message_names_them_without_their_values():
    respx.get(ORDER_SEARCH).mock(return_value=answer("unauthorized", 401))
    with pytest.raises(CredentialsRejected) as caught:
        connector().create_fulfillment(request())
    message = str(caught.value)
    assert "credentials.app_ref" in message and "credentials.account_token" in message
    assert TOKEN not in message and APP_REF not in message


@respx.mock
def test_finds_the_order_created_for_a_reference_and_nothing_for_an_unknown_one():
    route = respx.get(ORDER_SEARCH).mock(side_effect=[answer("order_search_found"), answer("order_search_none")])
    hub = connector()
    assert hub.find_fulfillment("ful-42-berlin-1") == FulfillmentAccepted("ful-42-berlin-1", "123456")
    assert hub.find_fulfillment("ful-43-berlin-1") is None
    assert route.calls[1].request.url.params["externalRef"] == "ful-43-berlin-1"


@respx.mock
def test_cancels_an_order_that_has_no_goods_out_note_yet():
    search = respx.get(GOODS_OUT_SEARCH).mock(return_value=answer("goods_out_search_none"))
    status = respx.put(f"{API}/order-service/order/123456/status").mock(return_value=httpx.Response(200, json={}))
    assert connector().cancel_fulfillment(FulfillmentAccepted("ful-42-berlin-1", "123456")) is True
    assert search.calls[0].request.url.params["orderId"] == "123456"
    assert sent_body(status) == {
        "orderStatusId": 5,
        "orderNote": {"text": "Cancelled by the hub (request ful-42-berlin-1)", "isPublic": False},
    }


@respx.mock
def test_an_order_with_a_goods_out_note_is_not_cancelled():
    respx.get(GOODS_OUT_SEARCH).mock(return_value=answer("goods_out_search_for_order"))
    status = respx.put(f"{API}/order-service/order/123456/status")
    assert connector().cancel_fulfillment(FulfillmentAccepted("ful-42-berlin-1", "123456")) is False
    assert not status.called


@respx.mock
def test_shipments_since_walks_two_pages_and_maps_a_split_shipment_to_locations_and_tracking():
    search = respx.get(GOODS_OUT_SEARCH).mock(
        side_effect=[answer("goods_out_search_page_1"), answer("goods_out_search_page_2")]
    )
    notes = respx.get(f"{API}/warehouse-service/order/*/goods-note/goods-out/88012,88013,88020,88021").mock(
        return_value=answer("goods_out_notes")
    )
    orders = respx.get(f"{API}/order-service/sales-order/555,123456").mock(return_value=answer("sales_orders"))
    found, bookmark = connector(page_size=2).shipments_since("2024-06-14T00:00:00Z")
    assert found == [
        ProviderShipment(
            provider_ref="88012",
            request_reference="ful-42-berlin-1",
            location="berlin",
            lines=(("LS-BLUE-M", 2),),
            tracking=(Tracking("00340434161234567890"),),
            shipped_at=datetime(2024, 6, 14, 14, 2, 11, tzinfo=UTC),
        ),
        ProviderShipment(
            provider_ref="88013",
            request_reference="ful-42-berlin-1",
            location="leipzig",
            lines=(("TEE-WHT-S", 1),),
            tracking=(Tracking("JD014600006281234567"),),
            shipped_at=datetime(2024, 6, 14, 15, 45, tzinfo=UTC),
        ),
    ]  # 88020 is not shipped yet; 88021 ships an order of another integration
    assert bookmark == "2024-06-14T15:20:40Z"  # held at the unshipped note, not moved to 88021's 16:05
    pages = [call.request.url.params for call in search.calls]
    assert [(p["createdOn"], p["pageSize"], p["firstResult"]) for p in pages] == [
        ("2024-06-14T00:00:00Z/", "2", "1"),
        ("2024-06-14T00:00:00Z/", "2", "3"),
    ]
    assert notes.call_count == orders.call_count == 1


@respx.mock
def test_no_new_notes_keep_the_bookmark():
    respx.get(GOODS_OUT_SEARCH).mock(return_value=answer("goods_out_search_none"))
    assert connector().shipments_since("2024-06-14T15:20:40Z") == ([], "2024-06-14T15:20:40Z")


@respx.mock
def test_a_note_from_an_unmapped_warehouse_stops_the_pull_naming_location_ids():
    respx.get(GOODS_OUT_SEARCH).mock(side_effect=[answer("goods_out_search_page_1"), answer("goods_out_search_page_2")])
    respx.get(url__regex=rf"{API}/warehouse-service/order/\*/goods-note/goods-out/.*").mock(
        return_value=answer("goods_out_notes")
    )
    respx.get(url__regex=rf"{API}/order-service/sales-order/.*").mock(return_value=answer("sales_orders"))
    with pytest.raises(FatalError, match=r"warehouse 3.*location_ids"):
        connector(page_size=2, location_ids={"berlin": "2"}).shipments_since(None)


@respx.mock
def test_check_is_quiet_when_credentials_warehouses_and_options_are_right():
    respx.get(ORDER_SEARCH).mock(return_value=answer("order_search_none"))
    respx.get(f"{API}/warehouse-service/warehouse/2,3").mock(return_value=answer("warehouses"))
    assert connector().check() == []


@respx.mock
def test_check_names_warehouses_brightpearl_does_not_have_and_a_missing_cancel_status():
    respx.get(ORDER_SEARCH).mock(return_value=answer("order_search_none"))
    respx.get(f"{API}/warehouse-service/warehouse/2,9").mock(return_value=answer("warehouses"))
    problems = connector(location_ids={"berlin": "2", "paris": "9", "lyon": "LY"}, cancel_status_id=None).check()
    assert problems == [
        "location_ids.lyon = 'LY': a Brightpearl warehouse id is a number",
        "location_ids.paris = 9: no such Brightpearl warehouse",
        "options.cancel_status_id is not set: fulfillment requests cannot be cancelled",
    ]


@respx.mock
def test_check_names_the_credentials_to_fix_without_their_values():
    respx.get(ORDER_SEARCH).mock(return_value=answer("unauthorized", 401))
    [problem] = connector().check()
    assert "credentials.app_ref" in problem and "credentials.account_token" in problem
    assert TOKEN not in problem


def test_the_connector_type_builds_a_fulfillment_provider_from_settings():
    assert (BRIGHTPEARL.name, BRIGHTPEARL.credentials) == ("brightpearl", ("app_ref", "account_token"))
    built = BRIGHTPEARL.build(connector().settings, None)
    assert isinstance(built, BrightpearlConnector)
    assert built.fulfillment is built
    assert (built.orders, built.stock, built.shipments, built.payments) == (None, None, None, None)
    assert str(built.client.base_url) == f"{API}/"
    built.close()
