"""Brightpearl as the source of truth for stock: availability per warehouse read for the hub's SKUs, against
respx routes fed with realistic payloads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from connectors.brightpearl.connector import BRIGHTPEARL, BrightpearlConnector
from core.errors import FatalError
from core.stock_source import ProviderLevel, StockSource
from tests.integration.test_brightpearl_connector import API, PRODUCT_SEARCH, answer, connector

AVAILABILITY = f"{API}/warehouse-service/product-availability"
PRODUCT = f"{API}/product-service/product"


def source(sleeps: list[float] | None = None, **options: Any) -> StockSource:
    built = connector(sleeps, stock_source=True, **options).stock_source
    assert built is not None
    return built


@respx.mock
def test_reads_on_hand_per_mapped_warehouse_of_bound_products_a_missing_warehouse_being_zero():
    route = respx.get(f"{AVAILABILITY}/1007,1008").mock(return_value=answer("product_availability"))
    reading = source().stock_levels(["LS-BLUE-M", "LS-BLUE-L"], items={"LS-BLUE-M": "1007", "LS-BLUE-L": "1008"})
    assert route.call_count == 1
    assert reading.levels == [
        ProviderLevel("LS-BLUE-M", "berlin", 7),
        ProviderLevel("LS-BLUE-M", "leipzig", 4),
        ProviderLevel("LS-BLUE-L", "berlin", -1),
        ProviderLevel("LS-BLUE-L", "leipzig", 0),
    ], "onHand (in stock less allocated) per warehouse; warehouse 9 is mapped to no hub location"
    assert (reading.unknown, reading.untracked, reading.resolved, reading.forgotten) == ([], [], {}, set())


@respx.mock
def test_skus_without_a_binding_are_searched_by_exact_sku_and_one_brightpearl_does_not_know_is_reported():
    respx.get(PRODUCT_SEARCH, params={"SKU": "LS-BLUE-M"}).mock(return_value=answer("product_search_shirt"))
    respx.get(PRODUCT_SEARCH, params={"SKU": "MUG-XL"}).mock(return_value=answer("product_search_near_match"))
    respx.get(f"{AVAILABILITY}/1007").mock(return_value=answer("product_availability"))
    reading = source().stock_levels(["LS-BLUE-M", "MUG-XL"], items={})
    assert reading.resolved == {"LS-BLUE-M": "1007"}
    assert reading.unknown == ["MUG-XL"], "MUG-XL-2 is another product"
    assert {level.sku for level in reading.levels} == {"LS-BLUE-M"}


@respx.mock
def test_many_skus_without_a_binding_are_found_by_one_walk_of_the_catalogue():
    walk = respx.get(PRODUCT_SEARCH, params={"columns": "productId,SKU"}).mock(
        side_effect=[answer("product_catalogue_page_1"), answer("product_catalogue_page_2")]
    )
    respx.get(f"{AVAILABILITY}/1007,1008,1102").mock(return_value=answer("product_availability"))
    respx.get(f"{PRODUCT}/1102").mock(return_value=httpx.Response(404, json={"errors": []}))
    skus = ["LS-BLUE-M", "LS-BLUE-L", "SOX-WL3-M", *(f"NEW-{n:02}" for n in range(20))]
    reading = source().stock_levels(skus, items={})
    assert walk.call_count == 2
    assert walk.calls[1].request.url.params["firstResult"] == "4"
    assert reading.resolved == {"LS-BLUE-M": "1007", "LS-BLUE-L": "1008"}
    assert reading.unknown == skus[2:], "SOX-WL3-M: found, then gone before its availability was read"


@respx.mock
def test_a_bound_product_left_out_of_availability_is_untracked_if_it_still_exists_else_its_binding_is_dropped():
    respx.get(f"{AVAILABILITY}/1007,1077,1090").mock(return_value=answer("product_availability"))
    respx.get(f"{PRODUCT}/1077,1090").mock(return_value=answer("products_left_out"))
    items = {"LS-BLUE-M": "1007", "GIFT-50": "1090", "OLD-SKU": "1077"}
    reading = source().stock_levels(["LS-BLUE-M", "GIFT-50", "OLD-SKU"], items=items)
    assert reading.untracked == ["GIFT-50"]
    assert reading.forgotten == {"OLD-SKU"}
    assert reading.unknown == ["OLD-SKU"]
    assert {level.sku for level in reading.levels} == {"LS-BLUE-M"}


@respx.mock
def test_a_set_of_which_no_product_is_stock_tracked_answers_404_and_reads_as_no_figures():
    respx.get(f"{AVAILABILITY}/1090").mock(return_value=httpx.Response(404, json={"errors": [{"code": "CMNC-404"}]}))
    respx.get(f"{PRODUCT}/1090").mock(return_value=answer("products_left_out"))
    reading = source().stock_levels(["GIFT-50"], items={"GIFT-50": "1090"})
    assert (reading.levels, reading.untracked, reading.forgotten) == ([], ["GIFT-50"], set())


@respx.mock
def test_product_ids_are_asked_for_a_hundred_a_call():
    route = respx.get(url__startswith=f"{AVAILABILITY}/").mock(return_value=httpx.Response(200, json={"response": {}}))
    respx.get(url__startswith=f"{PRODUCT}/").mock(return_value=httpx.Response(404, json={"errors": []}))
    items = {f"SKU-{n:03}": str(2000 + n) for n in range(250)}
    source().stock_levels(list(items), items=items)
    sizes = [len(call.request.url.path.rsplit("/", 1)[1].split(",")) for call in route.calls]
    assert sizes == [100, 100, 50]


@respx.mock
def test_brightpearls_throttling_503_is_waited_out_for_its_period_and_the_read_repeated():
    throttled = httpx.Response(
        503,
        json={"response": "You have sent too many requests. Please wait before sending another request"},
        headers={"brightpearl-requests-remaining": "0", "brightpearl-next-throttle-period": "2000"},
    )
    route = respx.get(f"{AVAILABILITY}/1007").mock(side_effect=[throttled, answer("product_availability")])
    sleeps: list[float] = []
    reading = source(sleeps).stock_levels(["LS-BLUE-M"], items={"LS-BLUE-M": "1007"})
    assert route.call_count == 2
    assert len(sleeps) == 1 and 2.0 <= sleeps[0] <= 2.2
    assert reading.levels[0] == ProviderLevel("LS-BLUE-M", "berlin", 7)


@respx.mock
def test_figures_that_are_not_numbers_stop_the_read_naming_the_call():
    body = {"response": {"1007": {"total": {}, "warehouses": {"2": {"onHand": "lots"}}}}}
    respx.get(f"{AVAILABILITY}/1007").mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(FatalError, match=r"product-availability/1007.*warehouses\.2\.onHand"):
        source().stock_levels(["LS-BLUE-M"], items={"LS-BLUE-M": "1007"})


def test_the_connector_offers_a_stock_source_only_when_the_option_is_on():
    assert connector().stock_source is None
    built = BRIGHTPEARL.build(connector(stock_source=True).settings, None)
    assert isinstance(built, BrightpearlConnector) and built.stock_source is built
    built.close()
