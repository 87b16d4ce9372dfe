"""The Brightpearl connector against its simulator over real HTTP on 127.0.0.1: a fulfillment request shipped,
then returned to another warehouse as a sales credit whose first answer is lost; and the product searches the
connector saves by remembering product ids."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from connectors.base import ChannelSettings
from connectors.brightpearl.client import BrightpearlOptions
from connectors.brightpearl.connector import BrightpearlConnector
from core.errors import OmshubError
from core.providers import FulfillmentLine, FulfillmentRequest, ReturnLine, ReturnRequest
from sandbox.brightpearl import DEFAULT_APP_REF, DEFAULT_TOKEN
from sandbox.server import RunningBrightpearl, start_brightpearl
from sandbox.shopify import Faults

ADDRESS = {"first_name": "Ada", "last_name": "Byron", "address_1": "Kastanienallee 12", "country_code": "DE"}
SEARCHES = "GET product-service/product-search"


@pytest.fixture
def warehouse() -> Iterator[RunningBrightpearl]:
    lost = Faults(cut_once=frozenset({"POST order-service/sales-credit"}))
    running = start_brightpearl(seed=5, stock={("MUG-EMA-WHT", 2): 10, ("TEA-SEN-100", 2): 6}, faults=lost)
    yield running
    running.stop()


@pytest.fixture
def bp(warehouse: RunningBrightpearl) -> Iterator[BrightpearlConnector]:
    settings = ChannelSettings(
        name="bp",
        base_url=f"{warehouse.base_url}/public-api/omshub",
        credentials={"app_ref": SecretStr(DEFAULT_APP_REF), "account_token": SecretStr(DEFAULT_TOKEN)},
        options=BrightpearlOptions(installed_integration_instance_id=7, credit_status_id=6),
        location_ids={"berlin": "2", "leipzig": "3"},
    )
    connector = BrightpearlConnector(settings)
    yield connector
    connector.close()


def fulfillment(n: int) -> FulfillmentRequest:
    return FulfillmentRequest(
        reference=f"ful-{n}-berlin-bp",
        order_id=n,
        channel="woo",
        order_external_id=str(4700 + n),
        display_number=f"#{4700 + n}",
        location="berlin",
        currency="EUR",
        placed_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        lines=(
            FulfillmentLine("1", "MUG-EMA-WHT", "Mug enamel white", quantity=2, unit_net=1765, tax=670),
            FulfillmentLine("2", "TEA-SEN-100", "Sencha 100 g", quantity=1, unit_net=1167, tax=82),
        ),
        email="ada@example.org",
        name="Ada Byron",
        ship_to=ADDRESS,
    )


def test_a_shipped_request_is_returned_to_another_warehouse_once_although_the_first_answer_was_lost(bp, warehouse):
    accepted = bp.create_fulfillment(fulfillment(1))
    warehouse.generator.ship_now(int(accepted.provider_ref))
    back = ReturnRequest(
        reference="ret-1-1",
        order_id=1,
        fulfillment_reference=accepted.reference,
        fulfillment_provider_ref=accepted.provider_ref,
        location="leipzig",
        currency="EUR",
        lines=(ReturnLine("1", "MUG-EMA-WHT", "Mug enamel white", quantity=1, unit_net=1765, tax=335),),
    )

    with pytest.raises(OmshubError):
        bp.create_return(back)
    found = bp.find_return("ret-1-1")
    again = bp.create_return(back)

    [credit] = warehouse.state.credits.values()
    assert found is not None and found == again and again.provider_ref == str(credit.id)
    assert warehouse.state.calls["POST order-service/sales-credit"] == 1
    assert (credit.parent_id, credit.warehouse_id, credit.external_ref) == (int(accepted.provider_ref), 3, "ret-1-1")
    assert [(row.sku, str(row.quantity), str(row.net), str(row.tax)) for row in credit.rows] == [
        ("MUG-EMA-WHT", "1", "17.6500", "3.3500")
    ]
    assert warehouse.state.orders[int(accepted.provider_ref)].customer_id == credit.customer_id


def test_requests_for_the_same_skus_search_each_product_once(bp, warehouse):
    for n in range(1, 6):
        bp.create_fulfillment(fulfillment(n))

    assert len(warehouse.state.orders) == 5
    assert warehouse.state.calls[SEARCHES] == 2, "one search per SKU, not per SKU and order"
    assert warehouse.state.calls["GET order-service/order-search"] == 5
