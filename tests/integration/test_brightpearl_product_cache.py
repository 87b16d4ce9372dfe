"""Product ids remembered by the Brightpearl connector: fewer product searches per fulfillment request, and a
fresh search once an entry expires or Brightpearl refuses a request naming the product."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from connectors.brightpearl.connector import BrightpearlConnector
from core.errors import FatalError
from tests.integration.test_brightpearl_connector import (
    API,
    CONTACT_SEARCH,
    ORDER_SEARCH,
    PRODUCT_SEARCH,
    SALES_ORDER,
    answer,
    connector,
    created,
    request,
    sent_body,
)
from tests.integration.test_brightpearl_returns import PARENT, SALES_CREDIT, return_request


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cached_connector(ticks: Ticks, **options: Any) -> BrightpearlConnector:
    return BrightpearlConnector(connector(**options).settings, sleep=lambda _: None, monotonic=ticks)


def searches() -> tuple[respx.Route, respx.Route]:
    """No order exists for any reference, the contact is known; the product searches of the two SKUs."""
    respx.get(ORDER_SEARCH).mock(return_value=answer("order_search_none"))
    respx.get(CONTACT_SEARCH).mock(return_value=answer("contact_search_found"))
    shirt = respx.get(PRODUCT_SEARCH, params={"SKU": "LS-BLUE-M"}).mock(return_value=answer("product_search_shirt"))
    mug = respx.get(PRODUCT_SEARCH, params={"SKU": "MUG-XL"}).mock(return_value=answer("product_search_near_match"))
    return shirt, mug


@respx.mock
def test_a_second_order_with_the_same_sku_makes_no_second_product_search():
    shirt, mug = searches()
    post = respx.post(SALES_ORDER).mock(side_effect=[created(123456), created(123457)])
    hub = cached_connector(Ticks())
    hub.create_fulfillment(request())
    hub.create_fulfillment(request(reference="ful-43-berlin-1"))
    assert shirt.call_count == 1
    assert mug.call_count == 2, "a SKU Brightpearl does not know is searched each time"
    assert sent_body(post, 1)["rows"][0]["productId"] == 1007


@respx.mock
def test_an_entry_older_than_product_cache_seconds_is_searched_again():
    shirt, _ = searches()
    respx.post(SALES_ORDER).mock(return_value=created())
    ticks = Ticks()
    hub = cached_connector(ticks, product_cache_seconds=600)
    hub.create_fulfillment(request())
    ticks.now += 599
    hub.create_fulfillment(request(reference="ful-43-berlin-1"))
    assert shirt.call_count == 1
    ticks.now += 2
    hub.create_fulfillment(request(reference="ful-44-berlin-1"))
    assert shirt.call_count == 2


@respx.mock
def test_product_cache_seconds_zero_searches_every_time():
    shirt, _ = searches()
    respx.post(SALES_ORDER).mock(return_value=created())
    hub = cached_connector(Ticks(), product_cache_seconds=0)
    hub.create_fulfillment(request())
    hub.create_fulfillment(request(reference="ful-43-berlin-1"))
    assert shirt.call_count == 2


@respx.mock
def test_a_refused_order_drops_the_products_it_named_and_the_next_order_finds_the_product_again():
    shirt, _ = searches()
    recreated = answer("product_search_shirt").json()
    recreated["response"]["results"][0][0] = 1107
    shirt.mock(side_effect=[answer("product_search_shirt"), httpx.Response(200, json=recreated)])
    refusal = {"errors": [{"code": "ORDC-006", "message": "rows[0].productId: product 1007 does not exist"}]}
    post = respx.post(SALES_ORDER).mock(
        side_effect=[created(123456), httpx.Response(400, json=refusal), created(123458)]
    )
    hub = cached_connector(Ticks())
    hub.create_fulfillment(request())
    with pytest.raises(FatalError, match="product 1007 does not exist"):
        hub.create_fulfillment(request(reference="ful-43-berlin-1"))
    hub.create_fulfillment(request(reference="ful-43-berlin-1"))
    assert shirt.call_count == 2
    assert [sent_body(post, n)["rows"][0]["productId"] for n in range(3)] == [1007, 1007, 1107]


@respx.mock
def test_a_refusal_as_a_repeated_reference_keeps_the_cached_products():
    shirt, _ = searches()
    respx.get(ORDER_SEARCH).mock(
        side_effect=[answer("order_search_none"), answer("order_search_none"), answer("order_search_found")]
    )
    respx.post(SALES_ORDER).mock(side_effect=[created(123456), answer("duplicate_external_ref", 400)])
    hub = cached_connector(Ticks())
    hub.create_fulfillment(request(reference="ful-41-berlin-1"))
    hub.create_fulfillment(request())
    assert len(hub.products) == 1 and shirt.call_count == 1


@respx.mock
def test_a_return_uses_the_product_ids_its_order_looked_up():
    shirt, _ = searches()
    respx.post(SALES_ORDER).mock(return_value=created())
    respx.get(PARENT).mock(return_value=answer("sales_order_to_credit"))
    post = respx.post(SALES_CREDIT).mock(return_value=created(123501))
    hub = cached_connector(Ticks())
    hub.create_fulfillment(request())
    hub.create_return(return_request())
    assert shirt.call_count == 1
    assert sent_body(post)["rows"][0]["productId"] == 1007


@respx.mock
def test_a_refused_return_drops_the_products_it_named():
    shirt, _ = searches()
    respx.get(PARENT).mock(return_value=answer("sales_order_to_credit"))
    refusal = {"errors": [{"code": "ORDC-006", "message": "rows[0].productId: product 1007 does not exist"}]}
    respx.post(SALES_CREDIT).mock(side_effect=[httpx.Response(400, json=refusal), created(123501)])
    hub = cached_connector(Ticks())
    with pytest.raises(FatalError):
        hub.create_return(return_request())
    hub.create_return(return_request())
    assert shirt.call_count == 2


@respx.mock
def test_the_stock_path_takes_cached_ids_and_forgets_a_product_that_is_gone():
    shirt, _ = searches()
    respx.post(SALES_ORDER).mock(return_value=created())
    availability = respx.get(f"{API}/warehouse-service/product-availability/1007").mock(
        side_effect=[answer("product_availability"), httpx.Response(404, json={"errors": []})]
    )
    respx.get(f"{API}/product-service/product/1007").mock(return_value=httpx.Response(404, json={"errors": []}))
    hub = cached_connector(Ticks(), stock_source=True)
    hub.create_fulfillment(request())
    first = hub.stock_levels(["LS-BLUE-M"], items={})
    assert (shirt.call_count, first.resolved) == (1, {"LS-BLUE-M": "1007"})
    gone = hub.stock_levels(["LS-BLUE-M"], items={})
    assert gone.unknown == ["LS-BLUE-M"] and len(hub.products) == 0
    assert availability.call_count == 2
