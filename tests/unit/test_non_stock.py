"""Which lines hold no stock, the settings that name them and the states a capture may happen in, and the one
line a failed payment leaves on its channel's order."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import settings
from connectors import registry
from core.non_stock import NONE, NonStockSkus, pattern_problem
from core.payment_failures import PaymentFailureNotice
from core.payments import PaymentPolicy

CHANNEL = """
[locations.berlin]

[channels.web]
locations = ["berlin"]
{extra}
"""


def load(tmp_path: Path, extra: str) -> settings.Config:
    path = tmp_path / "omshub.toml"
    path.write_text(CHANNEL.format(extra=extra), encoding="utf-8")
    types = registry.connector_types()
    return settings.load(path, check=lambda config: registry.problems(config, types))


PATTERNS = NonStockSkus(["GIFT-WRAP", "INSURANCE-*"])


@pytest.mark.parametrize(
    ("sku", "holds_stock"),
    [
        ("MUG-EMA-WHT", True),
        ("GIFT-WRAP", False),
        ("GIFT-WRAP-XL", True),  # a plain pattern is the whole SKU
        ("gift-wrap", True),  # SKUs compare with their case
        ("INSURANCE-", False),
        ("INSURANCE-PARCEL", False),
        ("INSURANCE", True),
        (None, False),  # a line without a SKU holds no stock either
    ],
)
def test_a_sku_holds_stock_unless_a_pattern_names_it(sku: str | None, holds_stock: bool):
    assert PATTERNS.holds_stock(sku) is holds_stock


def test_without_patterns_every_line_with_a_sku_holds_stock():
    assert NONE.holds_stock("GIFT-WRAP") and not NONE.holds_stock(None)
    assert NonStockSkus(["A", "B-*"]) == NonStockSkus(("A", "B-*")) != NONE


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("GIFT-WRAP", None),
        ("INSURANCE-*", None),
        ("", "an empty pattern names no SKU"),
        (" GIFT-WRAP", "starts or ends with spaces"),
        ("GIFT*WRAP", "* may only end a pattern"),
        ("INS**", "* may only end a pattern"),
        ("*", "would name every SKU"),
    ],
)
def test_a_pattern_is_a_sku_or_a_prefix_ending_in_one_star(pattern: str, problem: str | None):
    found = pattern_problem(pattern)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_non_stock_skus_are_read_from_the_channels_section(tmp_path):
    config = load(tmp_path, 'non_stock_skus = ["GIFT-WRAP", "INSURANCE-*"]')
    [spec] = config.channel_specs()
    assert spec.non_stock_skus == ("GIFT-WRAP", "INSURANCE-*")


def test_a_bad_pattern_stops_start_up_naming_the_key_the_entry_and_the_fix(tmp_path):
    with pytest.raises(settings.ConfigError) as raised:
        load(tmp_path, 'non_stock_skus = ["GIFT-WRAP", "GIFT*WRAP"]')
    assert (
        "channels.web.non_stock_skus: [1] 'GIFT*WRAP': * may only end a pattern; write a SKU ('GIFT-WRAP') or a"
        " SKU prefix ending in * ('INSURANCE-*')"
    ) in str(raised.value)


def test_capturable_statuses_default_to_any_and_an_empty_list_is_refused(tmp_path):
    payments = '[providers.cards]\ntype = "stripe"\nrole = "payment"\nbase_url = "https://api.stripe.com"\n'
    payments += 'credentials = { secret_key = "env:STRIPE_KEY" }\n'
    anything = load(tmp_path, 'payments = { processor = "cards" }\n' + payments).channels["web"].payments
    assert anything is not None and anything.capturable_statuses is None
    with pytest.raises(settings.ConfigError) as raised:
        load(tmp_path, 'payments = { processor = "cards", capturable_statuses = [] }\n' + payments)
    assert "channels.web.payments.capturable_statuses: an empty list would never let a capture happen" in str(
        raised.value
    )


@pytest.fixture(autouse=True)
def stripe_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_KEY", "sk_test_x")


@pytest.mark.parametrize(
    ("statuses", "status", "allowed"),
    [
        (None, None, True),
        (None, "on-hold", True),
        (frozenset({"processing"}), "processing", True),
        (frozenset({"processing"}), "on-hold", False),
        (frozenset({"processing"}), None, False),  # an order whose channel states no status waits
    ],
)
def test_a_capture_may_happen_in_the_channel_statuses_the_policy_names(
    statuses: frozenset[str] | None, status: str | None, allowed: bool
):
    assert PaymentPolicy("cards", capturable_statuses=statuses).may_capture(status) is allowed


def test_the_failure_line_names_the_operation_the_money_the_reason_and_the_reference():
    notice = PaymentFailureNotice("cap-12-1", "5012", "capture", 7967, "EUR", "declined: insufficient_funds")
    assert notice.text == (
        "Payment failed: the capture of 79.67 EUR was refused (declined: insufficient_funds). Reference: cap-12-1"
    )
    release = PaymentFailureNotice("rel-1-1", "9", "release", 0, "JPY", "canceled")
    assert release.text == "Payment failed: the release was refused (canceled). Reference: rel-1-1"
