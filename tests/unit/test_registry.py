"""The connector registry checks each channel's connector settings and reports every problem with its key."""

from __future__ import annotations

from config.settings import Config
from connectors import registry


def config(**channel: object) -> Config:
    base = {"base_url": "https://shop.example", "locations": ["berlin"]}
    return Config.model_validate({"locations": {"berlin": {}}, "channels": {"web": {**base, **channel}}})


def test_every_built_in_connector_type_is_registered():
    assert {"shopify", "woocommerce", "medusa", "brightpearl", "stripe"} <= set(registry.connector_types())


def test_a_provider_of_the_wrong_kind_is_refused_naming_what_it_serves_as(monkeypatch):
    monkeypatch.setenv("KEY", "sk_1")
    config = Config.model_validate(
        {
            "locations": {"berlin": {}},
            "providers": {
                "pay": {"type": "stripe", "role": "fulfillment", "base_url": "https://api.stripe.com"},
                "shop": {"type": "shopify", "role": "payment", "base_url": "https://x.example"},
            },
        }
    )
    found = registry.problems(config, registry.connector_types())
    assert found == [
        "  providers.pay.type: a stripe connector cannot serve as fulfillment; it serves as ['payment']",
        "  providers.shop.type: a shopify connector cannot serve as payment; it serves as ['channel']",
    ]


def test_an_unknown_type_is_named_with_the_known_ones():
    [problem] = registry.problems(config(type="magento"), registry.connector_types())
    assert problem.startswith("  channels.web.type: unknown connector 'magento'; known: [")


def test_a_missing_credential_is_named_with_how_to_write_it():
    [problem] = registry.problems(config(type="shopify"), registry.connector_types())
    assert problem == '  channels.web.credentials.access_token: missing; write access_token = "env:VARIABLE"'


def test_medusa_takes_an_api_key_or_an_email_and_password(monkeypatch):
    monkeypatch.setenv("KEY", "sk_1")
    monkeypatch.setenv("MAIL", "ops@example.com")
    types = registry.connector_types()
    assert registry.problems(config(type="medusa", credentials={"api_key": "env:KEY"}), types) == []
    [half] = registry.problems(config(type="medusa", credentials={"email": "env:MAIL"}), types)
    assert half == '  channels.web.credentials: medusa needs api_key or email and password, each as "env:VARIABLE"'


def test_a_bad_connector_option_is_named_under_options(monkeypatch):
    monkeypatch.setenv("TOKEN", "shpat_1")
    bad = config(type="shopify", credentials={"access_token": "env:TOKEN"}, options={"page_size": 500})
    [problem] = registry.problems(bad, registry.connector_types())
    assert problem.startswith("  channels.web.options.page_size: Input should be less than or equal to 250")
