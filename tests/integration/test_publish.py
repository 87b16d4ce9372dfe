"""What push-inventory would send, read from the store: only values that changed since the last push."""

from __future__ import annotations

from datetime import timedelta

from core import publish, stock_admin
from core.intake import ingest
from core.publish import Published, PublishPlan, PublishRule
from core.runs import RunStatus, Trigger
from jobs.push_inventory import push_inventory, verify_inventory
from jobs.runner import Runner
from tests.fakes import FakeStockSink
from tests.support import T0, line, order, setup_hub


def test_only_values_that_differ_from_the_last_confirmed_push_are_planned(engine):
    setup_hub(engine, stock={("TEE", "near"): 10, ("TEE", "far"): 4, ("MUG", "far"): 2})
    pooled = PublishPlan.pooled(["near", "far"], "near")
    rule = PublishRule(buffer=1)
    with engine.begin() as conn:
        first = publish.to_publish(conn, "web", pooled, rule)
        assert first == [Published("MUG", "near", 1), Published("TEE", "near", 13)]
        publish.record_pushed(conn, "web", first, T0)
        assert publish.to_publish(conn, "web", pooled, rule) == []
        stock_admin.adjust_stocked(conn, "TEE", "far", -2, T0)
        assert publish.to_publish(conn, "web", pooled, rule) == [Published("TEE", "near", 11)]


def test_locations_left_out_of_the_count_do_not_add_to_what_a_channel_is_offered(engine):
    setup_hub(engine, stock={("TEE", "near"): 10, ("TEE", "far"): 4})
    with engine.connect() as conn:
        only_far = publish.to_publish(conn, "web", PublishPlan.pooled(["far"]), PublishRule())
        per_location = publish.to_publish(
            conn, "web", PublishPlan.per_location(["near", "far"], ["far"]), PublishRule()
        )
    assert only_far == [Published("TEE", "*", 4)]
    assert per_location == [Published("TEE", "far", 4)]


def test_fifty_changes_to_one_sku_in_a_cycle_are_one_update_per_channel(engine):
    setup_hub(engine, stock={("TEE", "near"): 100})
    plans = {"web": PublishPlan.per_location(["near"], ["near"]), "market": PublishPlan.pooled(["near"])}
    with engine.begin() as conn:
        for name, plan in plans.items():
            publish.record_pushed(conn, name, publish.to_publish(conn, name, plan, PublishRule()), T0)
        for i in range(50):
            stock_admin.adjust_stocked(conn, "TEE", "near", 1 if i % 2 else -2, T0)
        planned = {name: publish.to_publish(conn, name, plan, PublishRule()) for name, plan in plans.items()}
    assert planned == {"web": [Published("TEE", "near", 75)], "market": [Published("TEE", "*", 75)]}


def run_job(engine, clock, job, work):
    return Runner(engine, clock, holder="test").run(
        (job, "web"), work, trigger=Trigger.manual, deadline=timedelta(minutes=5)
    )


def test_verify_inventory_re_pushes_only_what_drifted_in_the_channel_and_counts_it(engine, clock):
    setup_hub(engine, stock={("TEE", "near"): 10, ("MUG", "near"): 3, ("CAP", "far"): 4})
    sink, plan, rule = FakeStockSink(), PublishPlan.per_location(["near", "far"], ["near", "far"]), PublishRule()
    assert (
        run_job(engine, clock, "push-inventory", lambda s: push_inventory(s, sink, "web", plan, rule)).counts.pushed
        == 3
    )
    sink.shown[("MUG", "near")] = 0  # someone set the level by hand in the shop's admin
    with engine.begin() as conn:
        stock_admin.adjust_stocked(conn, "MUG", "near", 2, clock.now())  # and the hub's value moved on since
    report = run_job(engine, clock, "verify-inventory", lambda s: verify_inventory(s, sink, "web", plan, rule))
    assert report.status is RunStatus.success
    assert (report.counts.updated, report.counts.unchanged, report.counts.pushed) == (1, 2, 1)
    assert sink.calls[-1] == [Published("MUG", "near", 5)], "the drifted pair, with the hub's current value"
    again = run_job(engine, clock, "verify-inventory", lambda s: verify_inventory(s, sink, "web", plan, rule))
    assert (again.counts.updated, again.counts.pushed) == (0, 0)


def test_an_order_from_a_channel_sends_its_skus_to_that_channel_again_even_if_the_hubs_value_is_unchanged(
    engine, clock
):
    # the shop took the sold unit off its own level; the hub reserved it at another location
    setup_hub(engine, stock={("TEE", "near"): 5, ("TEE", "far"): 5, ("MUG", "far"): 2})
    plan, rule = PublishPlan.per_location(["near", "far"], ["far"]), PublishRule()
    with engine.begin() as conn:
        for name in ("web", "market"):
            publish.record_pushed(conn, name, publish.to_publish(conn, name, plan, rule), T0)
    ingest(engine, "web", [order("1", line("TEE", 1))], clock=clock)
    with engine.connect() as conn:
        assert publish.to_publish(conn, "web", plan, rule) == [Published("TEE", "far", 5)]
        assert publish.to_publish(conn, "market", plan, rule) == []
