"""Returns at the Brightpearl provider: sales credits against the sales order, against respx routes fed with
realistic payloads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from core.errors import FatalError, UnknownOutcome
from core.providers import FulfillmentProvider, ReturnAccepted, ReturnLine, ReturnRequest
from tests.integration.test_brightpearl_connector import (
    API,
    ORDER_SEARCH,
    PRODUCT_SEARCH,
    answer,
    connector,
    created,
    sent_body,
)

SALES_CREDIT = f"{API}/order-service/sales-credit"
PARENT = f"{API}/order-service/sales-order/123456"


def return_request(**changes: Any) -> ReturnRequest:
    fields: dict[str, Any] = {
        "reference": "ret-42-1",
        "order_id": 42,
        "fulfillment_reference": "ful-42-berlin-1",
        "fulfillment_provider_ref": "123456",
        "location": "leipzig",
        "currency": "EUR",
        "lines": (
            ReturnLine("line-1", "LS-BLUE-M", "Linen shirt blue M", quantity=1, unit_net=2499, tax=475),
            ReturnLine("line-2", "MUG-XL", "Mug XL", quantity=1, unit_net=1250, tax=238),
        ),
        "reason": "too small",
    }
    return ReturnRequest(**(fields | changes))


def lookups(*, credits: list[httpx.Response] | None = None) -> respx.Route:
    """The calls before the POST: the credit by reference (none found unless told), the parent order, the SKUs."""
    route = respx.get(ORDER_SEARCH).mock(side_effect=credits or [answer("order_search_none")])
    respx.get(PARENT).mock(return_value=answer("sales_order_to_credit"))
    respx.get(PRODUCT_SEARCH, params={"SKU": "LS-BLUE-M"}).mock(return_value=answer("product_search_shirt"))
    respx.get(PRODUCT_SEARCH, params={"SKU": "MUG-XL"}).mock(return_value=answer("product_search_near_match"))
    return route


@respx.mock
def test_creates_a_sales_credit_against_the_order_for_its_customer_at_the_warehouse_of_the_return():
    search = lookups()
    post = respx.post(SALES_CREDIT).mock(return_value=created(123501))
    hub = connector(channel_id=3, credit_status_id=6, order_status_id=2)
    assert hub.create_return(return_request()) == ReturnAccepted("ret-42-1", "123501")
    assert sent_body(post) == {
        "parentId": 123456,
        "externalRef": "ret-42-1",
        "installedIntegrationInstanceId": 9,
        "ref": "#1001",
        "customer": {"id": 207},
        "currency": {"code": "EUR"},
        "warehouseId": 3,
        "channelId": 3,
        "statusId": 6,
        "rows": [
            {
                "productId": 1007,
                "name": "Linen shirt blue M",
                "quantity": "1",
                "taxCode": "T20",
                "net": "24.9900",
                "tax": "4.7500",
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
        ],
    }, "the sales order's status (2) is not a credit status; the credit's own is sent"
    params = search.calls[0].request.url.params
    assert (params["externalRef"], params["installedIntegrationInstanceId"], params["orderTypeId"]) == (
        "ret-42-1",
        "9",
        "3",
    )


@respx.mock
def test_a_timeout_after_the_post_is_an_unknown_outcome_and_find_return_then_finds_the_credit():
    lookups(credits=[answer("order_search_none"), answer("credit_search_found"), answer("credit_search_found")])
    post = respx.post(SALES_CREDIT).mock(side_effect=httpx.ReadTimeout("timed out"))
    hub = connector()
    with pytest.raises(UnknownOutcome):
        hub.create_return(return_request())
    assert hub.find_return("ret-42-1") == ReturnAccepted("ret-42-1", "123501")
    assert hub.create_return(return_request()) == ReturnAccepted("ret-42-1", "123501")
    assert post.call_count == 1


@respx.mock
def test_a_refusal_of_a_repeated_reference_returns_the_credit_already_created():
    lookups(credits=[answer("order_search_none"), answer("credit_search_found")])
    respx.post(SALES_CREDIT).mock(return_value=answer("duplicate_credit_external_ref", 400))
    assert connector().create_return(return_request()) == ReturnAccepted("ret-42-1", "123501")


@respx.mock
def test_a_refusal_for_another_reason_is_raised_with_brightpearls_message():
    lookups(credits=[answer("order_search_none"), answer("order_search_none")])
    refusal = {"errors": [{"code": "ORDC-004", "message": "Invalid tax code 'T99'"}]}
    respx.post(SALES_CREDIT).mock(return_value=httpx.Response(400, json=refusal))
    with pytest.raises(FatalError, match="Invalid tax code"):
        connector(tax_code="T99").create_return(return_request())


def test_a_location_without_a_warehouse_is_a_fatal_error_naming_location_ids():
    with pytest.raises(FatalError, match="location_ids"):
        connector().create_return(return_request(location="paris"))


@respx.mock
def test_a_sales_order_brightpearl_does_not_have_is_a_fatal_error_and_nothing_is_posted():
    respx.get(ORDER_SEARCH).mock(return_value=answer("order_search_none"))
    missing = {"errors": [{"code": "CMNC-404", "message": "No sales orders found for 123456"}]}
    respx.get(PARENT).mock(return_value=httpx.Response(404, json=missing))
    post = respx.post(SALES_CREDIT)
    with pytest.raises(FatalError, match="no sales order 123456"):
        connector().create_return(return_request())
    assert not post.called


@respx.mock
def test_a_sales_order_created_for_another_request_is_not_credited():
    lookups()
    post = respx.post(SALES_CREDIT)
    with pytest.raises(FatalError, match="ful-42-berlin-1"):
        connector().create_return(return_request(fulfillment_reference="ful-42-leipzig-1"))
    assert not post.called


@respx.mock
def test_find_return_searches_sales_credits_and_find_fulfillment_sales_orders():
    route = respx.get(ORDER_SEARCH).mock(side_effect=[answer("order_search_none"), answer("order_search_found")])
    hub = connector()
    assert hub.find_return("ret-43-1") is None
    assert hub.find_fulfillment("ful-42-berlin-1") is not None
    kinds = [(call.request.url.params["externalRef"], call.request.url.params["orderTypeId"]) for call in route.calls]
    assert kinds == [("ret-43-1", "3"), ("ful-42-berlin-1", "1")]


def test_the_connector_is_a_fulfillment_provider_with_returns():
    provider: FulfillmentProvider = connector()
    assert callable(provider.create_return) and callable(provider.find_return)
