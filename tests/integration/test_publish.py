"""What push-inventory would send, read from the store: only values that changed since the last push."""

from __future__ import annotations

from core import publish, stock_admin
from core.publish import Published, PublishPlan, PublishRule
from tests.support import T0, setup_hub


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
