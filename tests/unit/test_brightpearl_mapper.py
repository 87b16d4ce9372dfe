"""The pure Brightpearl translations: money strings, addresses, rows, goods-out notes and the shipments bookmark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.brightpearl import mapper
from connectors.brightpearl.client import BrightpearlOptions
from connectors.brightpearl.schema import GoodsOutNote, SalesOrder, goods_out_notes, sales_orders, search_rows
from core.errors import FatalError
from core.providers import FulfillmentLine, FulfillmentRequest
from core.shipments import Tracking

OPTIONS = BrightpearlOptions(installed_integration_instance_id=9)


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (4998, "EUR", "49.9800"),
        (5, "GBP", "0.0500"),
        (0, "EUR", "0.0000"),
        (1500, "JPY", "1500.0000"),
        (1250, "KWD", "1.2500"),
        (-1999, "USD", "-19.9900"),
    ],
)
def test_minor_units_become_four_decimal_major_unit_strings(minor: int, currency: str, text: str):
    assert mapper.amount(minor, currency) == text


def test_an_address_leaves_empty_fields_out_and_upper_cases_the_country():
    ship_to = {"first_name": "Jean", "last_name": None, "address_1": "3 rue Oberkampf", "country_code": "fr"}
    assert mapper.address(ship_to, name="Jean Dupont", email=None) == {
        "addressFullName": "Jean",
        "addressLine1": "3 rue Oberkampf",
        "countryIsoCode": "FR",
    }


def test_an_address_without_a_name_takes_the_orders_name():
    assert mapper.address(None, name="Jean Dupont", email="jean@example.fr") == {
        "addressFullName": "Jean Dupont",
        "email": "jean@example.fr",
    }


@pytest.mark.parametrize(
    ("product_id", "expected"),
    [
        (1007, {"productId": 1007, "name": "Linen shirt"}),
        (None, {"name": "Linen shirt [LS-1]"}),
    ],
)
def test_a_row_carries_the_whole_rows_net_and_tax_and_names_an_unknown_sku(
    product_id: int | None, expected: dict[str, Any]
):
    line = FulfillmentLine("line-1", "LS-1", "Linen shirt", quantity=3, unit_net=1999, tax=1140)
    assert mapper.line_row(line, "EUR", "T20", product_id) == expected | {
        "quantity": "3",
        "taxCode": "T20",
        "net": "59.9700",
        "tax": "11.4000",
        "externalRef": "line-1",
    }


def request(**changes: Any) -> FulfillmentRequest:
    fields: dict[str, Any] = {
        "reference": "ful-7-main-1",
        "order_id": 7,
        "channel": "shop",
        "order_external_id": "5120",
        "display_number": None,
        "location": "main",
        "currency": "JPY",
        "placed_at": datetime(2024, 6, 14, 10, 0, tzinfo=UTC),
        "lines": (FulfillmentLine("line-1", "TEA-1", "Sencha", quantity=1, unit_net=1500, tax=120),),
    }
    return FulfillmentRequest(**(fields | changes))


def test_an_order_without_shipping_has_no_shipping_row_and_falls_back_to_the_external_id_as_ref():
    body = mapper.sales_order(request(), OPTIONS, warehouse_id=2, contact_id=207, products={})
    assert body["ref"] == "5120"
    assert [row["name"] for row in body["rows"]] == ["Sencha [TEA-1]"]
    assert "statusId" not in body and "priceListId" not in body


def test_the_shipping_row_uses_the_shipping_tax_code_and_the_configured_ids_are_sent():
    options = BrightpearlOptions(
        installed_integration_instance_id=9,
        shipping_tax_code="T0",
        order_status_id=4,
        price_list_id=2,
        shipping_method_id=7,
    )
    shipped = request(shipping_net=800, shipping_tax=0)
    body = mapper.sales_order(shipped, options, warehouse_id=2, contact_id=1, products={})
    shipping = {"name": "Shipping", "quantity": "1", "taxCode": "T0", "net": "800.0000", "tax": "0.0000"}
    assert body["rows"][-1] == shipping
    assert (body["statusId"], body["priceListId"], body["delivery"]["shippingMethodId"]) == (4, 2, 7)


def test_a_new_contact_without_an_address_name_is_named_from_the_order():
    body = mapper.contact(request(name="Yuki Tanaka"), "yuki@example.jp", 31)
    assert (body["firstName"], body["lastName"]) == ("Yuki", "Tanaka")


def test_search_rows_are_zipped_with_their_column_names():
    body = {"response": {"results": [[1, "a"], [2, "b"]], "metaData": {"columns": [{"name": "id"}, {"name": "x"}]}}}
    assert search_rows(body, "search") == [{"id": 1, "x": "a"}, {"id": 2, "x": "b"}]


def test_search_rows_that_do_not_match_their_columns_are_a_fatal_error():
    body = {"response": {"results": [[1, "a", True]], "metaData": {"columns": [{"name": "id"}, {"name": "x"}]}}}
    with pytest.raises(FatalError, match="do not match their columns"):
        search_rows(body, "search")


def note(**changes: Any) -> GoodsOutNote:
    raw: dict[str, Any] = {
        "orderId": 123456,
        "warehouseId": 2,
        "status": {"shipped": True, "shippedOn": "2024-06-14T15:02:11.000+01:00"},
        "shipping": {"reference": "1Z999AA10123456784", "boxes": 2},
        "createdOn": "2024-06-14T09:15:02.000+01:00",
        "orderRows": {
            "501": [
                {"productId": 1007, "quantity": 1, "locationId": 11},
                {"productId": 1007, "quantity": 1, "locationId": 12},
            ],
            "502": [{"productId": 1012, "quantity": 1, "locationId": 11}],
        },
    }
    return GoodsOutNote.model_validate(raw | changes)


ORDER = SalesOrder.model_validate(
    {
        "id": 123456,
        "externalRef": "ful-42-berlin-1",
        "rows": [
            {"id": 501, "productId": 1007, "sku": "LS-BLUE-M", "externalRef": "line-1"},
            {"id": 502, "productId": 1012, "sku": None, "externalRef": "line-2"},
        ],
    }
)


def test_a_note_becomes_a_shipment_of_skus_summed_over_its_bin_locations():
    shipment = mapper.shipment("88012", note(), ORDER, {2: "berlin"})
    assert shipment.lines == (("LS-BLUE-M", 2), ("line-2", 1))  # a row without a SKU is named by its line key
    assert (shipment.location, shipment.request_reference) == ("berlin", "ful-42-berlin-1")
    assert shipment.tracking == (Tracking("1Z999AA10123456784"),)


def test_a_note_row_missing_from_its_order_is_found_by_product():
    rows = {"9999": [{"productId": 1007, "quantity": 3}]}
    assert mapper.shipment("88012", note(orderRows=rows), ORDER, {2: "berlin"}).lines == (("LS-BLUE-M", 3),)


def test_a_note_without_a_tracking_reference_has_no_tracking():
    assert mapper.shipment("88012", note(shipping={"reference": ""}), ORDER, {2: "berlin"}).tracking == ()


def test_a_note_from_an_unmapped_warehouse_is_a_fatal_error():
    with pytest.raises(FatalError, match="warehouse 2"):
        mapper.shipment("88012", note(), ORDER, {3: "leipzig"})


def at(hour: int, *, shipped: bool) -> GoodsOutNote:
    return note(createdOn=f"2024-06-14T{hour:02d}:00:00Z", status={"shipped": shipped})


@pytest.mark.parametrize(
    ("notes", "expected"),
    [
        ([], "2024-06-01T00:00:00Z"),
        ([at(9, shipped=True), at(11, shipped=True)], "2024-06-14T11:00:00Z"),
        ([at(9, shipped=True), at(10, shipped=False), at(11, shipped=True)], "2024-06-14T10:00:00Z"),
    ],
)
def test_the_bookmark_is_the_latest_creation_held_back_by_unshipped_notes(notes: list[GoodsOutNote], expected: str):
    assert mapper.next_bookmark(notes, "2024-06-01T00:00:00Z", hold=timedelta(days=14)) == expected


def test_an_unshipped_note_older_than_the_hold_no_longer_holds_the_bookmark():
    old = note(createdOn="2024-05-01T08:00:00Z", status={"shipped": False})
    assert mapper.next_bookmark([old, at(11, shipped=True)], None, hold=timedelta(days=14)) == "2024-06-14T11:00:00Z"


def test_a_404_on_an_id_set_reads_as_no_notes_and_no_orders():
    assert goods_out_notes(None, "GET notes") == {}
    assert sales_orders(None, "GET orders") == {}


def test_a_note_missing_its_warehouse_is_a_fatal_error_naming_the_field():
    with pytest.raises(FatalError, match="warehouseId"):
        goods_out_notes({"88012": {"orderId": 1}}, "GET notes")
