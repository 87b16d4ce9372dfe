"""Order edits, exchanges and claims: each leaves the order's totals equal to its lines, its reservations
adjusted in place, its money settled through the processor and the warehouse told what it must ship."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from core import edits, fulfillment_holds, payments, queries, returns
from core.edits import NewLine
from core.errors import InvalidRequest
from core.exchanges import ClaimType, create_claim, create_exchange
from core.intake import ingest
from core.model import FulfillmentStatus
from core.order_changes import Effects
from core.returns import Disposition, Received
from core.stock_admin import check
from core.store.schema import fulfillment_requests, orders, outbox, reservations
from core.store.schema import shipments as shipment_rows
from tests.fakes import FakeFulfillmentProvider, FakePaymentProcessor
from tests.integration.test_payments import LAST, PLACEMENT, ROUTER, authorized, dispatch_all, note, ship
from tests.integration.test_returns import shipped
from tests.support import levels, line

LINES = (line("MUG", 2, unit_price=1250, line_id="a"), line("TEA", 1, unit_price=999, line_id="b"))
"""2,500 of mugs and 999 of tea, 3.00 off the order: 3,199 in all."""


@pytest.fixture
def fakes():
    return FakeFulfillmentProvider(), FakePaymentProcessor()


@pytest.fixture
def placed(engine, clock):
    """Order 1, authorized, not released yet."""
    from tests.support import setup_hub

    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5, ("CAP", "near"): 5})
    ingest(engine, "web", [authorized("1", *LINES, order_discount=300)], clock=clock)


def order_row(engine) -> dict:
    with engine.connect() as conn:
        return queries.get_order(conn, "1")


AFTER_SALE = ("return", "items_returned", "refund", "edit", "exchange", "claim")


def topics(engine) -> list[str]:
    """The outbox topics of after-sale events, oldest first."""
    with engine.connect() as conn:
        found = conn.execute(select(outbox.c.topic).order_by(outbox.c.id)).scalars()
        return [t for t in found if t.startswith("order.") and any(word in t for word in AFTER_SALE)]


def assert_consistent(engine) -> None:
    """Totals are the sum of the current lines; the stock ledger matches the levels."""
    order = order_row(engine)
    paid = [ln["quantity"] * ln["unit_price"] - ln["discount"] - ln["order_discount_share"] for ln in order["lines"]]
    assert order["total"] == sum(paid) + order["shipping_total"] + order["tax_total"]
    with engine.connect() as conn:
        assert check(conn) == []


def test_an_edit_changes_nothing_until_confirmed_then_recomputes_totals_and_adjusts_reservations(engine, clock, placed):
    with engine.begin() as conn:  # the processor said the authorization is for 100.00
        conn.execute(update(orders).values(authorized_total=10_000))
    with engine.connect() as conn:
        before = {(r.line_key, r.id): r.quantity for r in conn.execute(select(reservations))}
    with engine.begin() as conn:
        asked = edits.request(conn, "1", clock.now(), add=[NewLine("CAP", 1, 1500, title="Cap")], quantities={"MUG": 1})
        with pytest.raises(InvalidRequest, match="has edit edit-1-1 waiting"):
            edits.request(conn, "1", clock.now(), quantities={"TEA": 2})
    assert (asked["reference"], asked["status"]) == ("edit-1-1", "requested")
    assert (asked["total_before"], asked["total_after"], asked["difference"]) == (3199, 3199 - 1143 + 1500, 357)
    assert order_row(engine)["total"] == 3199 and levels(engine)[("MUG", "near")] == (5, 2)

    with engine.begin() as conn:
        done = edits.confirm(conn, "edit-1-1", Effects(ROUTER, LAST), clock.now())
    order = order_row(engine)
    assert done["status"] == "confirmed" and order["total"] == 3556
    assert {ln["line_key"]: ln["quantity"] for ln in order["lines"]} == {"a": 1, "b": 1, "edit-1-1/1": 1}
    # the mug line keeps what it paid per unit: 1,250 less half of its 214 share of the order discount
    mug = next(ln for ln in order["lines"] if ln["line_key"] == "a")
    assert (mug["discount"] + mug["order_discount_share"], mug["unit_price"]) == (107, 1250)
    assert levels(engine)[("MUG", "near")] == (5, 1) and levels(engine)[("CAP", "near")] == (5, 1)
    with engine.connect() as conn:
        after = {(r.line_key, r.id): r.quantity for r in conn.execute(select(reservations))}
    assert after[next(k for k in after if k[0] == "a")] == 1
    assert {k for k in before if k[0] == "a"} <= set(after), "the mug's reservation row is kept, not made again"
    assert done["payment_reference"] is None, "the authorization covers the difference"
    assert topics(engine) == [edits.EDIT_CONFIRMED]
    assert_consistent(engine)


def test_an_edit_beyond_the_authorization_charges_the_rest_and_captures_no_more_than_owed(engine, clock, placed, fakes):
    provider, processor = fakes
    with engine.begin() as conn:  # the authorization is not known yet: it counts for the order's total
        edits.request(conn, "1", clock.now(), add=[NewLine("CAP", 1, 1500)])
        done = edits.confirm(conn, "edit-1-1", Effects(ROUTER, LAST), clock.now())
    assert (done["difference"], done["payment_reference"]) == (1500, "chg-1-1")
    dispatch_all(engine, clock, provider, processor)
    ship(engine, clock, provider, note("n1", ("MUG", 2), ("TEA", 1), ("CAP", 1)))
    dispatch_all(engine, clock, provider, processor)
    assert processor.charges == {"pi_chg-1-1": 1500} and processor.captures == {"cap-1-1": 3199}
    total = order_row(engine)["total"]
    with engine.connect() as conn:
        assert payments.refundable(conn, 1) == 3199 + 1500 == total


def test_a_declined_edit_applies_nothing_and_a_line_can_be_removed_by_another(engine, clock, placed):
    with engine.begin() as conn:
        edits.request(conn, "1", clock.now(), quantities={"TEA": 3})
        declined = edits.decline(conn, "edit-1-1", clock.now(), reason="customer changed their mind")
        with pytest.raises(InvalidRequest, match="only a requested change can be confirmed"):
            edits.confirm(conn, "edit-1-1", Effects(ROUTER, LAST), clock.now())
        edits.request(conn, "1", clock.now(), quantities={"TEA": 0})
        edits.confirm(conn, "edit-1-2", Effects(ROUTER, LAST), clock.now())
    assert declined["status"] == "declined" and declined["note"] == "customer changed their mind"
    assert [ln["sku"] for ln in order_row(engine)["lines"]] == ["MUG"]
    assert levels(engine)[("TEA", "near")] == (5, 0)
    assert_consistent(engine)


def test_the_channels_next_version_keeps_the_hubs_edit(engine, clock, placed):
    with engine.begin() as conn:
        edits.request(conn, "1", clock.now(), add=[NewLine("CAP", 2, 1500)], quantities={"MUG": 1})
        edits.confirm(conn, "edit-1-1", Effects(ROUTER, LAST), clock.now())
    ingest(engine, "web", [authorized("1", *LINES, order_discount=300, minutes=5, notes="gift")], clock=clock)
    order = order_row(engine)
    assert order["notes"] == "gift"
    assert {ln["line_key"]: ln["quantity"] for ln in order["lines"]} == {"a": 1, "b": 1, "edit-1-1/1": 2}
    assert order["total"] == 3199 - 1143 + 3000
    assert levels(engine)[("MUG", "near")] == (5, 1) and levels(engine)[("CAP", "near")] == (5, 2)
    assert_consistent(engine)


def test_an_edit_that_lowers_the_total_after_capture_refunds_the_difference(engine, clock, placed, fakes):
    provider, processor = fakes
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert processor.captures == {"cap-1-1": 3199}
    with engine.begin() as conn:
        edits.request(conn, "1", clock.now(), quantities={"MUG": 1})
        done = edits.confirm(conn, "edit-1-1", Effects(ROUTER, PLACEMENT), clock.now())
    assert done["payment_reference"] == "ref-1-1" and done["difference"] == -1143
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert processor.refunds == {"ref-1-1": 1143}


def test_an_edit_after_release_sends_the_added_units_as_a_request_of_their_own(engine, clock, placed, fakes):
    provider, processor = fakes
    dispatch_all(engine, clock, provider, processor)
    assert list(provider.created) == ["ful-1-near-bp"]
    with engine.begin() as conn:
        edits.request(conn, "1", clock.now(), add=[NewLine("CAP", 1, 1500)])
        done = edits.confirm(conn, "edit-1-1", Effects(ROUTER, LAST), clock.now())
    assert done["fulfillment"] == "1 request(s) sent for the added units"
    dispatch_all(engine, clock, provider, processor)
    sent = provider.created["ful-1-near-bp-edit-1-1"]
    assert [(ln.sku, ln.quantity) for ln in sent.lines] == [("CAP", 1)] and sent.shipping_net == 0
    ship(engine, clock, provider, note("n1", ("MUG", 2), ("TEA", 1)))
    provider.shipped = []
    from core.providers import ProviderShipment

    ship(engine, clock, provider, ProviderShipment("n2", "ful-1-near-bp-edit-1-1", "near", (("CAP", 1),)))
    dispatch_all(engine, clock, provider, processor)
    order = order_row(engine)
    assert order["fulfillment_status"] == "shipped"
    taken = sum(processor.captures.values()) + sum(processor.charges.values())
    assert taken == 3199 + 1500, "the added cap is paid for once (charged: the authorization was for 31.99)"
    assert_consistent(engine)


def test_an_edit_after_release_that_lowers_units_sent_holds_the_fulfillment(engine, clock, placed, fakes):
    provider, processor = fakes
    dispatch_all(engine, clock, provider, processor)
    with engine.begin() as conn:
        edits.request(conn, "1", clock.now(), quantities={"MUG": 1})
        done = edits.confirm(conn, "edit-1-1", Effects(ROUTER, LAST), clock.now())
    order = order_row(engine)
    assert order["fulfillment_status"] == "requires_action"
    assert "edit-1-1 lowers a (ful-1-near-bp) already sent to the warehouse" in order["hold_reason"]
    assert done["fulfillment"].startswith("fulfillment on requires_action")
    ship(engine, clock, provider, note("n1", ("MUG", 1), ("TEA", 1)))  # a parcel leaves while the hold stands
    assert order_row(engine)["fulfillment_status"] == "requires_action"
    with engine.begin() as conn:
        assert fulfillment_holds.release(conn, "web:1", clock.now()) == FulfillmentStatus.shipped


def test_a_shipped_order_cannot_be_edited(engine, clock, fakes):
    from tests.support import setup_hub

    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5})
    shipped(engine, clock, *fakes)
    with engine.begin() as conn, pytest.raises(InvalidRequest, match="use a return or an exchange"):
        edits.request(conn, "1", clock.now(), quantities={"MUG": 1})


@pytest.fixture
def delivered(engine, clock, fakes):
    """Order 1 captured at placement (3,199) and shipped whole; caps in stock."""
    from tests.support import setup_hub

    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 5, ("CAP", "near"): 5})
    shipped(engine, clock, *fakes)
    return fakes


def test_an_exchange_for_dearer_goods_charges_the_difference_and_ships_the_new_line(engine, clock, delivered):
    provider, processor = delivered
    with engine.begin() as conn:
        made = create_exchange(
            conn, "1", {"MUG": 1}, [NewLine("CAP", 1, 2000)], Effects(ROUTER, PLACEMENT), clock.now(), location="near"
        )
    # one mug paid 1,143 (1,250 less its share of the discount): the cap at 2,000 costs 857 more
    assert (made["reference"], made["difference_due"], made["payment_reference"]) == ("exch-1-1", 857, "chg-1-1")
    assert made["return"]["reference"] == "ret-1-1"
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert processor.charges == {"pi_chg-1-1": 857}
    assert list(provider.created)[-1] == "ful-1-near-bp-exch-1-1"
    with engine.connect() as conn:
        charge = payments.operation(conn, "chg-1-1")
        assert (charge.status, charge.result_reference) == ("succeeded", "pi_chg-1-1")
        assert payments.refundable(conn, 1) == 3199 + 857
    with engine.begin() as conn:
        received = returns.receive(
            conn, "ret-1-1", {"MUG": Received(1, Disposition.restock)}, clock.now(), processor="cards"
        )
    assert (received["refund_amount"], received["refund_reference"]) == (0, None), "the cap took the mug's value"
    assert topics(engine) == [returns.RETURN_REQUESTED, "order.exchange_created", returns.ITEMS_RETURNED]
    assert_consistent(engine)


def test_an_exchange_for_cheaper_goods_refunds_the_difference_when_the_return_arrives(engine, clock, delivered):
    provider, processor = delivered
    with engine.begin() as conn:
        made = create_exchange(
            conn, "1", {"MUG": 1}, [NewLine("CAP", 1, 500)], Effects(ROUTER, PLACEMENT), clock.now(), location="near"
        )
        assert made["difference_due"] == 500 - 1143 and made["payment_reference"] is None
        received = returns.receive(
            conn, "ret-1-1", {"MUG": Received(1, Disposition.restock)}, clock.now(), processor="cards"
        )
    assert received["refund_amount"] == 643
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert processor.refunds == {received["refund_reference"]: 643} and not processor.charges


def test_a_replacement_claim_ships_the_units_again_at_no_charge(engine, clock, delivered):
    provider, processor = delivered
    with engine.begin() as conn:
        claim = create_claim(
            conn, "1", ClaimType.replace, {"TEA": 1}, Effects(ROUTER, PLACEMENT), clock.now(), reason="missing_item"
        )
    assert (claim["reference"], claim["claim_type"], claim["difference"]) == ("claim-1-1", "replace", 0)
    assert claim["payment_reference"] is None and claim["return"] is None
    tea = [ln for ln in order_row(engine)["lines"] if ln["sku"] == "TEA"]
    assert [(ln["line_key"], ln["unit_price"], ln["title"]) for ln in tea][1] == ("claim-1-1/1", 0, "Replacement: TEA")
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert [(ln.sku, ln.quantity) for ln in provider.created["ful-1-near-bp-claim-1-1"].lines] == [("TEA", 1)]
    assert not processor.charges and not processor.refunds
    assert "order.claim_created" in topics(engine)
    assert_consistent(engine)


def test_a_refund_claim_pays_back_at_once_and_its_return_is_not_refunded_again(engine, clock, delivered):
    provider, processor = delivered
    with engine.begin() as conn:
        claim = create_claim(
            conn,
            "1",
            ClaimType.refund,
            {"MUG": 2},
            Effects(ROUTER, PLACEMENT),
            clock.now(),
            with_return=True,
            location="near",
        )
        received = returns.receive(
            conn, "ret-1-1", {"MUG": Received(2, Disposition.damaged)}, clock.now(), processor="cards"
        )
    assert (claim["payment_reference"], claim["claimed_value"]) == ("ref-1-1", 2286)
    assert received["refund_reference"] is None
    dispatch_all(engine, clock, provider, processor, PLACEMENT)
    assert processor.refunds == {"ref-1-1": 2286}
    with engine.connect() as conn:
        row = conn.execute(select(orders.c.payment_status, orders.c.fulfillment_status)).one()
        requests = conn.execute(select(fulfillment_requests.c.reference)).scalars().all()
    assert tuple(row) == ("partially_refunded", "partially_returned") and requests == ["ful-1-near-bp"]


def test_units_the_channel_canceled_after_release_that_ship_anyway_are_recorded_and_held_for_a_person(
    engine, clock, placed, fakes
):
    provider, processor = fakes
    dispatch_all(engine, clock, provider, processor)  # released: 2 mugs and a tea at the warehouse
    mugs = line("MUG", 2, unit_price=1250, line_id="a", canceled_quantity=1)
    ingest(engine, "web", [authorized("1", mugs, LINES[1], order_discount=300, minutes=5)], clock=clock)
    ship(engine, clock, provider, note("n1", ("MUG", 2), ("TEA", 1)))  # the warehouse shipped both all the same
    order = order_row(engine)
    assert order["fulfillment_status"] == "requires_action"
    assert "carried units canceled after release (a ×1)" in order["hold_reason"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(shipment_rows)).scalar_one() == 1
    reason = order["hold_reason"]
    later = authorized("1", mugs, LINES[1], order_discount=300, minutes=9, fulfillment_status="fulfilled")
    ingest(engine, "web", [later], clock=clock)  # the channel heard of the parcel: its next version keeps the hold
    assert (order_row(engine)["fulfillment_status"], order_row(engine)["hold_reason"]) == ("requires_action", reason)
    with engine.begin() as conn:
        assert fulfillment_holds.release(conn, "web:1", clock.now()) == FulfillmentStatus.shipped
        with pytest.raises(InvalidRequest, match="not held"):
            fulfillment_holds.release(conn, "web:1", clock.now())
    released = order_row(engine)
    assert (released["fulfillment_status"], released["hold_reason"], released["fulfillment_hold"]) == (
        "shipped",
        None,
        None,
    )
