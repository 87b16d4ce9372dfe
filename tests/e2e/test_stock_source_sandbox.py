"""End to end over real HTTP on 127.0.0.1: the Brightpearl simulator is the source of truth for stock; an order
sent to it and one not sent yet, its shipment taken in, and the hub's levels after each pull-stock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import Connection, Engine, select

from connectors.base import ChannelSettings
from connectors.brightpearl.client import BrightpearlOptions
from connectors.brightpearl.connector import BrightpearlConnector
from core import bindings, fulfillment
from core.clock import FixedClock
from core.intake import ingest
from core.routing import Router
from core.runs import RunStatus, Trigger
from core.store.schema import outbox
from jobs.fulfillment import pull_shipments
from jobs.runner import Runner, RunReport, Work
from jobs.stock_source import pull_stock
from sandbox.brightpearl import DEFAULT_APP_REF, DEFAULT_TOKEN
from sandbox.server import RunningBrightpearl, start_brightpearl
from tests.support import levels, line, order, setup_hub

ADDRESS = {"first_name": "Ada", "last_name": "Byron", "address_1": "Kastanienallee 12", "country_code": "DE"}


@pytest.fixture
def warehouse() -> Iterator[RunningBrightpearl]:
    running = start_brightpearl(seed=3, stock={("MUG-EMA-WHT", 2): 10, ("MUG-EMA-WHT", 3): 4, ("TEA-SEN-100", 2): 6})
    yield running
    running.stop()


@pytest.fixture
def bp(warehouse: RunningBrightpearl) -> Iterator[BrightpearlConnector]:
    settings = ChannelSettings(
        name="bp",
        base_url=f"{warehouse.base_url}/public-api/omshub",
        credentials={"app_ref": SecretStr(DEFAULT_APP_REF), "account_token": SecretStr(DEFAULT_TOKEN)},
        options=BrightpearlOptions(installed_integration_instance_id=7, stock_source=True),
        location_ids={"berlin": "2", "leipzig": "3"},
    )
    connector = BrightpearlConnector(settings)
    yield connector
    connector.close()


def run(engine: Engine, clock: FixedClock, job: str, work: Work) -> RunReport:
    report = Runner(engine, clock, holder="t").run(
        (job, "bp"), work, trigger=Trigger.manual, deadline=timedelta(minutes=1)
    )
    assert report.status is RunStatus.success, report.error_message
    return report


def paid(external_id: str, units: int) -> dict:
    lines = [line("MUG-EMA-WHT", units, line_id="a")]
    return order(
        external_id,
        *lines,
        payment_status="captured",
        shipping_address=ADDRESS,
        customer={"email": "ada@example.org", "first_name": "Ada", "last_name": "Byron"},
    )


def test_the_hub_sells_what_brightpearl_can_promise_less_what_it_has_not_been_told(engine, clock, bp, warehouse):
    stock = {("MUG-EMA-WHT", "berlin"): 20, ("TEA-SEN-100", "berlin"): 1, ("CARD-LOCAL", "berlin"): 3}
    setup_hub(engine, locations=("berlin", "leipzig"), stock=stock, now=clock.now())
    ingest(engine, "web", [paid("1", 3)], clock=clock)
    with engine.begin() as conn:
        [request] = [fulfillment.request_of({"request": r}) for r in _released(conn, clock)]
    accepted = bp.create_fulfillment(request)
    with engine.begin() as conn:
        fulfillment.accepted(conn, "bp", accepted.reference, accepted.provider_ref, clock.now())
    ingest(engine, "web", [paid("2", 2)], clock=clock)  # reserved, not sent to Brightpearl yet
    source = bp.stock_source
    assert source is not None

    first = run(engine, clock, "pull-stock", lambda scope: pull_stock(scope, "bp", source))

    assert levels(engine) == {
        ("MUG-EMA-WHT", "berlin"): (7 + 3, 5),  # onHand 7 (10 less 3 allocated) + the 3 Brightpearl holds
        ("MUG-EMA-WHT", "leipzig"): (4, 0),
        ("TEA-SEN-100", "berlin"): (6, 0),
        ("CARD-LOCAL", "berlin"): (3, 0),  # no such product at Brightpearl: left alone
    }
    assert (first.counts.fetched, first.counts.updated) == (4, 3)
    with engine.connect() as conn:
        assert bindings.channel_items(conn, "bp") == {"MUG-EMA-WHT": "1015", "TEA-SEN-100": "1012"}

    warehouse.generator.ship_now(int(accepted.provider_ref))
    fulfiller = bp.fulfillment
    run(engine, clock, "pull-shipments", lambda scope: pull_shipments(scope, "bp", fulfiller))
    assert levels(engine)["MUG-EMA-WHT", "berlin"] == (7, 2)
    again = run(engine, clock, "pull-stock", lambda scope: pull_stock(scope, "bp", source))
    assert (again.counts.updated, levels(engine)["MUG-EMA-WHT", "berlin"]) == (0, (7, 2))


def _released(conn: Connection, clock: FixedClock) -> list[dict]:
    """The requests released now (one per location and provider), as their outbox payloads carry them."""
    fulfillment.release(conn, Router({"berlin": "bp", "leipzig": "bp"}, []), clock.now())
    rows = conn.execute(select(outbox.c.payload).where(outbox.c.topic == fulfillment.FULFILLMENT_REQUESTED))
    return [payload["request"] for (payload,) in rows]
