"""Counters only the API process sees; everything else in /metrics is read from the store at scrape time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class ApiCounters:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.refused = Counter(
            "omshub_api_auth_refused",
            "API requests refused for their bearer token: missing, unknown, or without the scope needed",
            ["reason"],
            registry=registry,
        )
        self.orders = Counter(
            "omshub_api_orders",
            "Orders posted to this API process, by channel and intake result",
            ["channel", "result"],
            registry=registry,
        )
        self.webhooks = Counter(
            "omshub_api_webhooks",
            "Webhook deliveries to this API process, by channel and answer: accepted, duplicate, ping, ignored"
            " (not about an order), bad_signature, malformed",
            ["channel", "outcome"],
            registry=registry,
        )
        self.webhook_refetches = Counter(
            "omshub_api_webhook_refetches",
            "Orders fetched again for accepted webhooks, by channel and result: created, updated, unchanged,"
            " quarantined, missing (the channel no longer returns it), failed",
            ["channel", "result"],
            registry=registry,
        )
