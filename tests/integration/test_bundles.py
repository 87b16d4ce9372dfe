"""Bundles (kits): selling one reserves its components at one location; its level follows theirs."""

from __future__ import annotations

from core import kits, publish, stock_admin
from core.allocation import ShortagePolicy
from core.holds import retry_held
from core.intake import ingest
from core.kits import KitSpec
from core.publish import Published, PublishPlan, PublishRule
from core.stock_admin import check
from tests.support import T0, levels, line, order, setup_hub

GIFT_BOX = {"GIFT-BOX": KitSpec((("MUG", 1), ("TEA", 2)))}


def hub_with_kits(engine, stock, **extra):
    setup_hub(engine, stock=stock, **extra)
    with engine.begin() as conn:
        kits.sync(conn, GIFT_BOX)


def test_selling_a_bundle_reserves_its_components_at_one_location(engine, clock):
    hub_with_kits(engine, {("MUG", "near"): 5, ("TEA", "near"): 1, ("MUG", "far"): 5, ("TEA", "far"): 10})
    ingest(engine, "web", [order("1", line("GIFT-BOX", 2))], clock=clock)
    assert levels(engine) == {
        ("MUG", "near"): (5, 0),
        ("TEA", "near"): (1, 0),
        ("MUG", "far"): (5, 2),
        ("TEA", "far"): (10, 4),
    }


def test_a_bundle_and_its_component_on_one_order_never_take_the_same_units_twice(engine, clock):
    hub_with_kits(engine, {("MUG", "near"): 2, ("TEA", "near"): 4}, locations=("near",))
    ingest(engine, "web", [order("1", line("GIFT-BOX", 2), line("MUG", 1))], clock=clock)
    with engine.connect() as conn:
        held = conn.exec_driver_sql("SELECT hold_reason FROM orders").scalar_one()
    assert held is not None and "MUG" in held
    assert levels(engine) == {("MUG", "near"): (2, 0), ("TEA", "near"): (4, 0)}


def test_cancelling_a_bundle_order_gives_every_component_back_exactly_once(engine, clock):
    hub_with_kits(engine, {("MUG", "near"): 3, ("TEA", "near"): 6}, locations=("near",))
    ingest(engine, "web", [order("1", line("GIFT-BOX", 3))], clock=clock)
    assert levels(engine) == {("MUG", "near"): (3, 3), ("TEA", "near"): (6, 6)}
    ingest(engine, "web", [order("1", line("GIFT-BOX", 3), minutes=1, status="canceled")], clock=clock)
    ingest(engine, "web", [order("1", line("GIFT-BOX", 3), minutes=2, status="canceled")], clock=clock)
    assert levels(engine) == {("MUG", "near"): (3, 0), ("TEA", "near"): (6, 0)}


def test_editing_a_bundle_quantity_adjusts_the_components_it_holds(engine, clock):
    hub_with_kits(engine, {("MUG", "near"): 5, ("TEA", "near"): 10}, locations=("near",))
    ingest(engine, "web", [order("1", line("GIFT-BOX", 3))], clock=clock)
    ingest(engine, "web", [order("1", line("GIFT-BOX", 1), minutes=1)], clock=clock)
    assert levels(engine) == {("MUG", "near"): (5, 1), ("TEA", "near"): (10, 2)}
    ingest(engine, "web", [order("1", line("GIFT-BOX", 1, fulfilled_quantity=1), minutes=2)], clock=clock)
    assert levels(engine) == {("MUG", "near"): (4, 0), ("TEA", "near"): (8, 0)}


def test_a_bundle_short_of_one_component_is_backordered_under_that_policy(engine, clock):
    hub_with_kits(
        engine, {("MUG", "near"): 1, ("TEA", "near"): 2}, locations=("near",), shortage_policy=ShortagePolicy.backorder
    )
    ingest(engine, "web", [order("1", line("GIFT-BOX", 3))], clock=clock)
    assert levels(engine) == {("MUG", "near"): (1, 1), ("TEA", "near"): (2, 2)}
    with engine.connect() as conn:
        backordered = conn.exec_driver_sql("SELECT backordered_quantity FROM order_lines").scalar_one()
    assert backordered == 2


def test_a_bundle_is_published_from_its_scarcest_component_per_location(engine):
    hub_with_kits(engine, {("MUG", "near"): 5, ("TEA", "near"): 3, ("MUG", "far"): 1, ("TEA", "far"): 9})
    with engine.connect() as conn:
        per_location = publish.to_publish(
            conn, "web", PublishPlan.per_location(["near", "far"], ["near", "far"]), PublishRule()
        )
        pooled = publish.to_publish(conn, "web", PublishPlan.pooled(["near", "far"]), PublishRule())
    assert [p for p in per_location if p.sku == "GIFT-BOX"] == [
        Published("GIFT-BOX", "near", 1),
        Published("GIFT-BOX", "far", 1),
    ]
    # not pooled across locations: MUG at near and TEA at far do not make a box
    assert [p for p in pooled if p.sku == "GIFT-BOX"] == [Published("GIFT-BOX", "*", 2)]


def test_a_component_change_republishes_the_bundles_that_contain_it(engine):
    hub_with_kits(engine, {("MUG", "near"): 5, ("TEA", "near"): 10}, locations=("near",))
    plan = PublishPlan.per_location(["near"], ["near"])
    with engine.begin() as conn:
        publish.record_pushed(conn, "web", publish.to_publish(conn, "web", plan, PublishRule()), T0)
        stock_admin.adjust_stocked(conn, "TEA", "near", -7, T0)
        changed = publish.to_publish(conn, "web", plan, PublishRule())
    assert changed == [Published("GIFT-BOX", "near", 1), Published("TEA", "near", 3)]


def test_stored_kits_follow_the_configuration(engine):
    setup_hub(engine)
    with engine.begin() as conn:
        kits.sync(conn, GIFT_BOX)
        assert kits.in_sync(conn, GIFT_BOX)
        assert not kits.in_sync(conn, {})
        kits.sync(conn, {"DUO": KitSpec((("MUG", 2),), pooled=True)})
        assert kits.load_all(conn) == {"DUO": KitSpec((("MUG", 2),), pooled=True)}
        assert kits.load(conn, ["DUO"]) == {} and kits.load(conn, ["DUO"], pooled=True) == {"DUO": (("MUG", 2),)}


POOLED_BOX = {"GIFT-BOX": KitSpec((("MUG", 1), ("TEA", 2)), pooled=True)}


def test_a_pooled_kit_takes_each_component_wherever_the_channel_has_it(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "near"): 1, ("TEA", "far"): 9})
    with engine.begin() as conn:
        kits.sync(conn, POOLED_BOX)
    ingest(engine, "web", [order("1", line("GIFT-BOX", 2))], clock=clock)
    assert levels(engine) == {("MUG", "near"): (5, 2), ("TEA", "near"): (1, 1), ("TEA", "far"): (9, 3)}
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT hold_reason FROM orders").scalar_one() is None


def test_a_pooled_kit_line_edited_then_canceled_gives_every_component_back_once(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 5, ("TEA", "far"): 9})
    with engine.begin() as conn:
        kits.sync(conn, POOLED_BOX)
    ingest(engine, "web", [order("1", line("GIFT-BOX", 3))], clock=clock)
    ingest(engine, "web", [order("1", line("GIFT-BOX", 1), minutes=1)], clock=clock)
    assert levels(engine) == {("MUG", "near"): (5, 1), ("TEA", "far"): (9, 2)}
    ingest(engine, "web", [order("1", line("GIFT-BOX", 1), minutes=2, status="canceled")], clock=clock)
    ingest(engine, "web", [order("1", line("GIFT-BOX", 1), minutes=3, status="canceled")], clock=clock)
    assert levels(engine) == {("MUG", "near"): (5, 0), ("TEA", "far"): (9, 0)}
    with engine.connect() as conn:
        assert check(conn) == []


def test_a_pooled_kit_is_offered_from_its_components_stock_over_every_counted_location(engine):
    setup_hub(engine, stock={("MUG", "near"): 3, ("TEA", "near"): 1, ("TEA", "far"): 5})
    with engine.begin() as conn:
        kits.sync(conn, POOLED_BOX)
    with engine.connect() as conn:
        pooled = publish.to_publish(conn, "web", PublishPlan.pooled(["near", "far"]), PublishRule())
        per_location = publish.to_publish(
            conn, "web", PublishPlan.per_location(["near", "far"], ["near", "far"]), PublishRule()
        )
    assert [p for p in pooled if p.sku == "GIFT-BOX"] == [Published("GIFT-BOX", "*", 3)]
    assert [p for p in per_location if p.sku == "GIFT-BOX"] == [
        Published("GIFT-BOX", "near", 3),
        Published("GIFT-BOX", "far", 0),
    ]


def test_a_held_pooled_kit_order_is_reserved_component_by_component_once_stock_arrives(engine, clock):
    setup_hub(engine, stock={("MUG", "near"): 1, ("TEA", "far"): 1})
    with engine.begin() as conn:
        kits.sync(conn, POOLED_BOX)
    ingest(engine, "web", [order("1", line("GIFT-BOX", 1))], clock=clock)
    assert levels(engine) == {("MUG", "near"): (1, 0), ("TEA", "far"): (1, 0)}
    with engine.begin() as conn:
        stock_admin.set_stocked(conn, "TEA", "near", 1, clock.now())
        assert retry_held(conn, "web", clock.now()) == 1
    assert levels(engine) == {("MUG", "near"): (1, 1), ("TEA", "far"): (1, 1), ("TEA", "near"): (1, 1)}
