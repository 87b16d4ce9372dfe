"""The pull-stock schedule of a provider needs the stock-source mode; start-up names the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import settings
from connectors import registry

PROVIDER = """
[locations.berlin]

[providers.bp]
type = "{kind}"
role = "{role}"
base_url = "https://euw1.brightpearlconnect.com/public-api/acme"
credentials = {{ app_ref = "env:BP_APP", account_token = "env:BP_TOKEN" }}
options = {{ installed_integration_instance_id = 7{options} }}
location_ids = {{ berlin = "2" }}
{jobs}
"""


def load(tmp_path: Path, *, options: str = "", jobs: str = "", kind: str = "brightpearl", role: str = "fulfillment"):
    path = tmp_path / "omshub.toml"
    path.write_text(PROVIDER.format(kind=kind, role=role, options=options, jobs=jobs), encoding="utf-8")
    types = registry.connector_types()
    return settings.load(path, check=lambda config: registry.problems(config, types))


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BP_APP", "acme_omshub")
    monkeypatch.setenv("BP_TOKEN", "token")


def test_pull_stock_is_neither_scheduled_nor_the_mode_on_by_default(tmp_path):
    provider = load(tmp_path).providers["bp"]
    assert (provider.stock_source, provider.jobs.pull_stock.scheduled) == (False, False)


def test_the_mode_with_a_pull_stock_schedule_is_accepted(tmp_path):
    provider = load(tmp_path, options=", stock_source = true", jobs='jobs.pull-stock.every = "10m"').providers["bp"]
    assert provider.stock_source and provider.jobs.pull_stock.scheduled


def test_a_pull_stock_schedule_without_the_mode_stops_start_up_naming_the_key_and_the_fix(tmp_path):
    with pytest.raises(settings.ConfigError) as raised:
        load(tmp_path, jobs='jobs.pull-stock.every = "10m"')
    assert (
        "providers.bp: jobs.pull-stock is scheduled but options.stock_source is not true; set options.stock_source"
        " = true to make this provider the source of truth for stock, or remove jobs.pull-stock"
    ) in str(raised.value)


def test_a_disabled_pull_stock_schedule_needs_no_mode(tmp_path):
    jobs = 'jobs.pull-stock = { every = "10m", enabled = false }'
    assert not load(tmp_path, jobs=jobs).providers["bp"].jobs.pull_stock.scheduled


def test_the_mode_is_a_true_or_false_option_of_the_connector(tmp_path):
    with pytest.raises(settings.ConfigError) as raised:
        load(tmp_path, options=', stock_source = "sometimes"')
    assert "providers.bp.options.stock_source: Input should be a valid boolean" in str(raised.value)


def test_pull_stock_on_a_payment_provider_is_refused(tmp_path):
    with pytest.raises(settings.ConfigError) as raised:
        load(tmp_path, kind="stripe", role="payment", jobs='jobs.pull-stock.every = "10m"')
    assert "providers.bp: jobs.pull-stock is for fulfillment providers" in str(raised.value)
