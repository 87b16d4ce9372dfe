"""The channel inventory policy: the rule, per-location and pooled plans, and their configuration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from config.channels import ChannelConfig
from core.publish import WHOLE_CHANNEL, Published, PublishPlan, PublishRule, plan_levels


@pytest.mark.parametrize(
    ("rule", "available", "published"),
    [
        (PublishRule(), 7, 7),
        (PublishRule(buffer=2), 7, 5),
        (PublishRule(buffer=2), 1, 0),
        (PublishRule(share=90), 7, 6),  # 6.3 rounded down
        (PublishRule(buffer=2, share=50), 7, 2),  # the share is of what is left after the safety stock
        (PublishRule(share=90, maximum=5), 100, 5),
        (PublishRule(share=0), 100, 0),
        (PublishRule(), -4, 0),  # backordered units never publish a negative level
    ],
)
def test_the_rule_holds_back_the_buffer_offers_a_share_rounded_down_and_caps(rule, available, published):
    assert rule.apply(available) == published


@given(
    available=st.integers(-1000, 10_000),
    buffer=st.integers(0, 100),
    share=st.integers(0, 100),
    maximum=st.none() | st.integers(0, 500),
)
def test_the_published_value_is_never_negative_nor_more_than_is_there_or_allowed(available, buffer, share, maximum):
    value = PublishRule(buffer, share, maximum).apply(available)
    assert 0 <= value <= max(available, 0)
    assert maximum is None or value <= maximum


STOCK = {"TEE": {"berlin": 10, "leipzig": 4}, "MUG": {"leipzig": -2, "berlin": 3}, "CAP": {"leipzig": 6}}


def test_per_location_each_mapped_counted_location_gets_its_own_value():
    plan = PublishPlan.per_location(["berlin", "leipzig"], ["berlin"])
    assert plan_levels(STOCK, plan, PublishRule(buffer=1)) == [
        Published("TEE", "berlin", 9),
        Published("MUG", "berlin", 2),
    ]


def test_pooled_publishes_the_rule_over_the_sum_of_the_counted_locations():
    pooled = plan_levels(STOCK, PublishPlan.pooled(["berlin", "leipzig"], "berlin"), PublishRule(share=90))
    assert pooled == [Published("TEE", "berlin", 12), Published("MUG", "berlin", 0), Published("CAP", "berlin", 5)]
    whole = plan_levels(STOCK, PublishPlan.pooled(["berlin", "leipzig"]), PublishRule())
    assert [(p.location, p.available) for p in whole] == [(WHOLE_CHANNEL, 14), (WHOLE_CHANNEL, 1), (WHOLE_CHANNEL, 6)]


def channel(**push: object) -> ChannelConfig:
    return ChannelConfig.model_validate(
        {
            "type": "shopify",
            "base_url": "https://shop.example",
            "locations": ["berlin", "leipzig"],
            "location_ids": {"berlin": "101", "leipzig": "102"},
            "jobs": {"push-inventory": push},
        }
    )


def test_the_plan_follows_the_channel_configuration():
    assert channel().publish_plan == PublishPlan(("berlin", "leipzig"), ("berlin", "leipzig"))
    assert channel(count=["leipzig"]).publish_plan == PublishPlan(("leipzig",), ("leipzig",))
    assert channel(pooled_at="berlin").publish_plan == PublishPlan(("berlin", "leipzig"), (), "berlin")
    without_ids = ChannelConfig.model_validate(
        {"type": "woocommerce", "base_url": "https://w.example", "locations": ["berlin"]}
    )
    assert without_ids.publish_plan == PublishPlan(("berlin",), (), WHOLE_CHANNEL)
    assert channel(buffer=3, share=80, maximum=50).jobs.push_inventory.rule == PublishRule(3, 80, 50)


@pytest.mark.parametrize(
    ("push", "message"),
    [
        ({"count": ["hamburg"]}, "count names ['hamburg'], which are not in this channel's locations"),
        (
            {"pooled_at": "hamburg"},
            "pooled_at = 'hamburg' has no entry in location_ids; name one of ['berlin', 'leipzig']",
        ),
        ({"share": 120}, "less than or equal to 100"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_key_and_the_fix(push, message):
    with pytest.raises(ValidationError) as caught:
        channel(**push)
    assert message in str(caught.value)
