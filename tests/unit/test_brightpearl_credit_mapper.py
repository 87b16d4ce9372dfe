"""A return as the body of a Brightpearl sales credit, built from the parent sales order as Brightpearl answers it."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.brightpearl import mapper
from connectors.brightpearl.client import BrightpearlOptions
from connectors.brightpearl.schema import SalesOrder
from core.errors import FatalError
from core.providers import ReturnLine, ReturnRequest

OPTIONS = BrightpearlOptions(installed_integration_instance_id=9)


def parent(**changes: Any) -> SalesOrder:
    raw = {
        "id": 123456,
        "ref": "#1001",
        "externalRef": "ful-42-berlin-1",
        "customer": {"id": 207},
        "currency": {"code": "EUR"},
        "rows": [],
    }
    return SalesOrder.model_validate(raw | changes)


def returned(currency: str = "EUR", *lines: ReturnLine) -> ReturnRequest:
    return ReturnRequest(
        reference="ret-42-1",
        order_id=42,
        fulfillment_reference="ful-42-berlin-1",
        fulfillment_provider_ref="123456",
        location="berlin",
        currency=currency,
        lines=lines or (ReturnLine("line-1", "LS-BLUE-M", "Linen shirt blue M", 2, unit_net=2499, tax=950),),
    )


def test_the_credit_names_its_parent_reference_instance_customer_currency_and_warehouse():
    body = mapper.sales_credit(returned(), OPTIONS, parent=parent(), warehouse_id=2, products={"LS-BLUE-M": 1007})
    assert body == {
        "parentId": 123456,
        "externalRef": "ret-42-1",
        "installedIntegrationInstanceId": 9,
        "ref": "#1001",
        "customer": {"id": 207},
        "currency": {"code": "EUR"},
        "warehouseId": 2,
        "rows": [
            {
                "productId": 1007,
                "name": "Linen shirt blue M",
                "quantity": "2",
                "taxCode": "T20",
                "net": "49.9800",
                "tax": "9.5000",
                "externalRef": "line-1",
            }
        ],
    }


@pytest.mark.parametrize(
    ("changes", "contact"),
    [({}, 207), ({"customer": None, "customerId": 311}, 311), ({"customer": {"id": 208}, "customerId": 311}, 208)],
)
def test_the_customer_is_read_from_customer_id_or_the_older_top_level_customer_id(changes: dict, contact: int):
    body = mapper.sales_credit(returned(), OPTIONS, parent=parent(**changes), warehouse_id=2, products={})
    assert body["customer"] == {"id": contact}


def test_a_parent_without_customer_is_a_fatal_error():
    with pytest.raises(FatalError, match="without its customer"):
        mapper.sales_credit(returned(), OPTIONS, parent=parent(customer=None), warehouse_id=2, products={})


def test_a_return_in_another_currency_than_its_order_is_a_fatal_error():
    with pytest.raises(FatalError, match="in EUR, the return in GBP"):
        mapper.sales_credit(returned("GBP"), OPTIONS, parent=parent(), warehouse_id=2, products={})


def test_zero_decimal_amounts_and_an_unknown_sku_become_a_named_free_text_row():
    line = ReturnLine("line-7", "KIMONO-L", "Kimono L", 1, unit_net=15000, tax=1500)
    body = mapper.sales_credit(
        returned("jpy", line), OPTIONS, parent=parent(currency={"code": "JPY"}), warehouse_id=3, products={}
    )
    assert body["currency"] == {"code": "JPY"}
    assert body["rows"] == [
        {
            "name": "Kimono L [KIMONO-L]",
            "quantity": "1",
            "taxCode": "T20",
            "net": "15000.0000",
            "tax": "1500.0000",
            "externalRef": "line-7",
        }
    ]


def test_configured_channel_price_list_and_credit_status_are_sent_but_not_the_order_status():
    options = BrightpearlOptions(
        installed_integration_instance_id=9, channel_id=3, price_list_id=2, order_status_id=2, credit_status_id=6
    )
    body = mapper.sales_credit(returned(), options, parent=parent(ref=None), warehouse_id=2, products={})
    assert (body["channelId"], body["priceListId"], body["statusId"]) == (3, 2, 6)
    assert "ref" not in body
