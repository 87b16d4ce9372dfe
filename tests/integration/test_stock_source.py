"""A fulfillment provider as the source of truth for stock: pull-stock sets the hub's stocked quantities from the
provider's figures, adding back the units of requests the provider has accepted (store tests, both stores)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine, func, select

from core import bindings, fulfillment, kits, provider_shipments
from core.clock import FixedClock
from core.intake import ingest
from core.kits import KitSpec
from core.providers import ProviderShipment
from core.routing import Router
from core.runs import RunStatus, Trigger
from core.stock_admin import check
from core.stock_source import ProviderLevel, StockReading
from core.store.schema import stock_movements
from jobs.runner import Runner, RunReport
from jobs.stock_source import pull_stock
from tests.support import levels, line, order, setup_hub

ROUTER = Router({"berlin": "bp", "leipzig": "bp"}, [])
ADDRESS = {"first_name": "Ada", "last_name": "Byron", "address_1": "Kastanienallee 12", "country_code": "DE"}


@dataclass
class FakeStockSource:
    """Answers the figures it is given (SKU, location → available) for the SKUs asked about."""

    figures: dict[tuple[str, str], int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    resolved: dict[str, str] = field(default_factory=dict)
    forgotten: set[str] = field(default_factory=set)
    while_reading: Callable[[], None] = lambda: None
    asked: list[tuple[list[str], dict[str, str]]] = field(default_factory=list)

    def stock_levels(
        self, skus: Sequence[str], *, items: Mapping[str, str], time_left: float | None = None
    ) -> StockReading:
        self.asked.append((list(skus), dict(items)))
        self.while_reading()
        found = [ProviderLevel(sku, loc, units) for (sku, loc), units in self.figures.items() if sku in skus]
        return StockReading(found, list(self.unknown), [], dict(self.resolved), set(self.forgotten))


def pull(engine: Engine, clock: FixedClock, source: FakeStockSource, *, dry_run: bool = False) -> RunReport:
    return Runner(engine, clock, holder="t").run(
        ("pull-stock", "bp"),
        lambda scope: pull_stock(scope, "bp", source),
        trigger=Trigger.manual,
        deadline=timedelta(minutes=1),
        dry_run=dry_run,
    )


def paid(external_id: str, *lines: dict) -> dict:
    return order(external_id, *lines, payment_status="captured", shipping_address=ADDRESS)


def release(engine: Engine, clock: FixedClock, *, accept: Sequence[str] = ()) -> None:
    """Create the fulfillment requests of releasable orders; the provider accepts the references in `accept`."""
    with engine.begin() as conn:
        fulfillment.release(conn, ROUTER, clock.now())
        for n, reference in enumerate(accept):
            fulfillment.accepted(conn, "bp", reference, f"{5000 + n}", clock.now())


def ledger_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(stock_movements)).scalar_one())


def hub(engine: Engine, clock: FixedClock, stock: dict[tuple[str, str], int]) -> None:
    setup_hub(engine, locations=("berlin", "leipzig"), stock=stock, now=clock.now())


def test_stocked_is_the_providers_figure_plus_the_units_of_requests_it_accepted(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10, ("TEA", "berlin"): 4})
    ingest(engine, "web", [paid("1", line("MUG", 3, line_id="a"))], clock=clock)
    release(engine, clock, accept=["ful-1-berlin-bp"])
    source = FakeStockSource({("MUG", "berlin"): 5, ("MUG", "leipzig"): 2, ("TEA", "berlin"): 4})

    report = pull(engine, clock, source)

    assert (report.status, report.counts.fetched, report.counts.updated, report.counts.unchanged) == (
        RunStatus.success,
        3,
        2,
        1,
    )
    assert levels(engine) == {("MUG", "berlin"): (8, 3), ("MUG", "leipzig"): (2, 0), ("TEA", "berlin"): (4, 0)}
    assert source.asked == [(["MUG", "TEA"], {})]


def test_reservations_the_provider_does_not_know_yet_lower_what_the_hub_can_sell(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10})
    ingest(engine, "web", [paid("1", line("MUG", 3, line_id="a"))], clock=clock)
    release(engine, clock, accept=["ful-1-berlin-bp"])
    ingest(engine, "web", [paid("2", line("MUG", 2, line_id="a"))], clock=clock)
    release(engine, clock)  # sent, outcome not known yet: still `requested`
    ingest(engine, "web", [order("3", line("MUG", 1, line_id="a"))], clock=clock)  # not paid: not sent

    pull(engine, clock, FakeStockSource({("MUG", "berlin"): 5}))

    stocked, reserved = levels(engine)["MUG", "berlin"]
    assert (stocked, reserved) == (8, 6)
    assert stocked - reserved == 5 - 2 - 1, "the provider's figure less the reservations it does not know"


def test_a_request_accepted_while_the_figures_were_read_counts_as_unknown_to_them(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10})
    ingest(engine, "web", [paid("1", line("MUG", 3, line_id="a"))], clock=clock)
    release(engine, clock)

    def accepted_meanwhile() -> None:
        clock.advance(timedelta(seconds=2))
        with engine.begin() as conn:
            fulfillment.accepted(conn, "bp", "ful-1-berlin-bp", "5000", clock.now())

    pull(engine, clock, FakeStockSource({("MUG", "berlin"): 5}, while_reading=accepted_meanwhile))
    assert levels(engine)["MUG", "berlin"] == (5, 3), "its units may not be out of the figure yet"
    pull(engine, clock, FakeStockSource({("MUG", "berlin"): 2}))
    assert levels(engine)["MUG", "berlin"] == (5, 3), "the next reading knows it"


def test_units_of_a_partly_shipped_request_still_held_by_the_hub_are_added_back(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10, ("TEA", "berlin"): 10})
    ingest(engine, "web", [paid("1", line("MUG", 3, line_id="a"), line("TEA", 2, line_id="b"))], clock=clock)
    release(engine, clock, accept=["ful-1-berlin-bp"])
    shipment = ProviderShipment("88012", "ful-1-berlin-bp", "berlin", (("MUG", 3),))
    with engine.begin() as conn:
        provider_shipments.receive(conn, "bp", shipment, clock.now())
    assert levels(engine)["TEA", "berlin"] == (10, 2)

    pull(engine, clock, FakeStockSource({("MUG", "berlin"): 7, ("TEA", "berlin"): 6}))

    assert levels(engine)["MUG", "berlin"] == (7, 0)
    assert levels(engine)["TEA", "berlin"] == (8, 2)


def test_a_second_pull_of_the_same_figures_writes_nothing(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10})
    source = FakeStockSource({("MUG", "berlin"): 6, ("MUG", "leipzig"): 0})
    pull(engine, clock, source)
    rows = ledger_rows(engine)

    again = pull(engine, clock, source)

    assert (again.counts.updated, again.counts.unchanged) == (0, 2)
    assert ledger_rows(engine) == rows
    assert levels(engine) == {("MUG", "berlin"): (6, 0)}, "a zero where the hub had no level adds none"


def test_a_sku_the_provider_does_not_know_keeps_its_level(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10, ("TEA", "berlin"): 4})
    report = pull(engine, clock, FakeStockSource({("MUG", "berlin"): 6}, unknown=["TEA"]))
    assert report.status is RunStatus.success
    assert levels(engine)["TEA", "berlin"] == (4, 0)


def test_a_negative_figure_counts_as_nothing_left_to_promise(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10})
    ingest(engine, "web", [paid("1", line("MUG", 3, line_id="a"))], clock=clock)
    release(engine, clock, accept=["ful-1-berlin-bp"])
    pull(engine, clock, FakeStockSource({("MUG", "berlin"): -2}))
    assert levels(engine)["MUG", "berlin"] == (3, 3)


def test_each_change_is_a_ledger_row_naming_the_provider_and_the_ledger_agrees_with_the_levels(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10})
    pull(engine, clock, FakeStockSource({("MUG", "berlin"): 4, ("MUG", "leipzig"): 3}))
    with engine.connect() as conn:
        query = select(
            stock_movements.c.field, stock_movements.c.delta, stock_movements.c.reason, stock_movements.c.reference
        )
        rows = conn.execute(query.where(stock_movements.c.reason == "stock_source.set").order_by(stock_movements.c.id))
        assert [tuple(row) for row in rows] == [
            ("stocked", -6, "stock_source.set", "stock-source:bp"),
            ("stocked", 3, "stock_source.set", "stock-source:bp"),
        ]
        assert check(conn) == []


def test_a_dry_run_counts_the_changes_and_makes_none(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10})
    before, rows = levels(engine), ledger_rows(engine)
    source = FakeStockSource({("MUG", "berlin"): 4, ("MUG", "leipzig"): 3}, resolved={"MUG": "1007"})

    report = pull(engine, clock, source, dry_run=True)

    assert (report.status, report.counts.updated) == (RunStatus.success, 2)
    assert (levels(engine), ledger_rows(engine)) == (before, rows)
    with engine.connect() as conn:
        assert bindings.channel_items(conn, "bp") == {}


def test_product_ids_looked_up_are_bound_for_the_next_reading_and_forgotten_ones_dropped(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10, ("TEA", "berlin"): 4})
    pull(engine, clock, FakeStockSource(resolved={"MUG": "1007", "TEA": "1012"}))
    source = FakeStockSource(forgotten={"TEA"})
    pull(engine, clock, source)
    pull(engine, clock, source)
    assert [items for _skus, items in source.asked] == [{"MUG": "1007", "TEA": "1012"}, {"MUG": "1007"}]


def test_bundles_are_not_asked_for_their_components_are(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10, ("BOX", "berlin"): 0})
    with engine.begin() as conn:
        kits.sync(conn, {"BOX": KitSpec((("MUG", 1),))})
    source = FakeStockSource()
    pull(engine, clock, source)
    assert source.asked[0][0] == ["MUG"]


def test_a_warehouse_mapped_to_a_location_the_hub_does_not_have_fails_the_run_naming_location_ids(engine, clock):
    hub(engine, clock, {("MUG", "berlin"): 10})
    report = pull(engine, clock, FakeStockSource({("MUG", "paris"): 4}))
    assert report.status is RunStatus.failed
    assert "providers.bp.location_ids names ['paris']" in (report.error_message or "")
    assert levels(engine)["MUG", "berlin"] == (10, 0)
