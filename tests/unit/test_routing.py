"""Routing rules pick the fulfillment provider of each line."""

from __future__ import annotations

from core.routing import Router, Rule

ROUTER = Router(
    {"berlin": "bp-eu", "leipzig": "bp-eu", "store": "pos-only"},
    [
        Rule("bp-uk", country="GB"),
        Rule("digital", sku_prefix="DIG-"),
        Rule("bp-express", location="leipzig", country="DE"),
    ],
)


def test_the_first_matching_rule_wins_over_the_location_default():
    assert ROUTER.provider_for("berlin", "gb", "MUG-1") == "bp-uk"
    assert ROUTER.provider_for("berlin", "GB", "DIG-PAT-001") == "bp-uk"
    assert ROUTER.provider_for("berlin", "DE", "DIG-PAT-001") == "digital"


def test_every_condition_of_a_rule_must_match():
    assert ROUTER.provider_for("leipzig", "DE", "MUG-1") == "bp-express"
    assert ROUTER.provider_for("berlin", "DE", "MUG-1") == "bp-eu"


def test_a_location_without_a_provider_and_no_rule_keeps_the_line_in_the_hub():
    assert ROUTER.provider_for("attic", "FR", "MUG-1") is None
    assert Router({}).provider_for("berlin", None, "MUG-1") is None
