"""Each channel connector tells its channel that an order's payment failed, the way the channel allows, against
respx routes: WooCommerce a private note and the open order on hold, Shopify a tag and a note line, Medusa the
order's metadata. What is already there under the operation's reference is not written again."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from connectors.woocommerce.client import WooCommerceOptions
from core.errors import FatalError
from core.payment_failures import PaymentFailureNotice
from tests.integration.test_medusa_connector import BASE as MEDUSA
from tests.integration.test_medusa_connector import connector as medusa
from tests.integration.test_shopify_connector import API as SHOPIFY
from tests.integration.test_shopify_connector import connector as shopify
from tests.integration.test_woocommerce_connector import API as WOO
from tests.integration.test_woocommerce_connector import connector as woo

NOTICE = PaymentFailureNotice("cap-12-1", "4711", "capture", 7967, "EUR", "declined: insufficient_funds")
TEXT = "Payment failed: the capture of 79.67 EUR was refused (declined: insufficient_funds). Reference: cap-12-1"


class Notes:
    """orders/4711/notes: newest first, each POST adds one."""

    def __init__(self, *texts: str) -> None:
        self.notes: list[dict[str, Any]] = [
            {"id": 300 + i, "note": text, "customer_note": False} for i, text in enumerate(texts)
        ]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            note = {"id": 400 + len(self.notes), **json.loads(request.content)}
            self.notes.insert(0, note)
            return httpx.Response(201, json=note)
        return httpx.Response(200, json=self.notes)


def woo_order(status: str) -> respx.Route:
    return respx.get(f"{WOO}/orders/4711").mock(return_value=httpx.Response(200, json={"id": 4711, "status": status}))


@respx.mock
def test_woocommerce_gets_a_private_note_and_the_open_order_goes_on_hold_once():
    notes = Notes("Order status changed from Pending payment to Processing.")
    respx.route(url=f"{WOO}/orders/4711/notes").mock(side_effect=notes)
    answers = [{"id": 4711, "status": "processing"}, {"id": 4711, "status": "on-hold"}]
    respx.get(f"{WOO}/orders/4711").mock(side_effect=[httpx.Response(200, json=a) for a in answers])
    held = respx.put(f"{WOO}/orders/4711").mock(return_value=httpx.Response(200, json={"id": 4711}))
    sink = woo()
    sink.report_payment_failure(NOTICE)
    sink.report_payment_failure(NOTICE)  # a retry after a lost answer: the note is found, the order already on hold

    assert [(n["note"], n["customer_note"]) for n in notes.notes if "cap-12-1" in n["note"]] == [(TEXT, False)]
    assert [json.loads(call.request.content) for call in held.calls] == [{"status": "on-hold"}]


@pytest.mark.parametrize(
    ("options", "status", "set_to"),
    [
        ({}, "completed", None),  # shipped already: only the note
        ({}, "cancelled", None),
        ({"payment_failed_status": "failed"}, "pending", "failed"),
        ({"payment_failed_status": None}, "processing", None),
    ],
)
@respx.mock
def test_woocommerce_sets_the_configured_status_only_on_an_open_order(
    options: dict[str, Any], status: str, set_to: str | None
):
    notes = Notes()
    respx.route(url=f"{WOO}/orders/4711/notes").mock(side_effect=notes)
    woo_order(status)
    changed = respx.put(f"{WOO}/orders/4711").mock(return_value=httpx.Response(200, json={"id": 4711}))
    woo(**options).report_payment_failure(NOTICE)
    assert [n["note"] for n in notes.notes] == [TEXT]
    assert [json.loads(c.request.content)["status"] for c in changed.calls] == ([set_to] if set_to else [])


def test_a_woocommerce_status_the_hub_could_not_read_back_is_refused_naming_the_fix():
    with pytest.raises(ValueError, match="payment_failed_status = 'paused' is not a WooCommerce core status"):
        WooCommerceOptions(payment_failed_status="paused")
    aliased = WooCommerceOptions(payment_failed_status="paused", status_aliases={"paused": "on-hold"})
    assert aliased.payment_failed_status == "paused"


def shopify_order(tags: str, note: str | None) -> respx.Route:
    body = {"order": {"id": 4711, "tags": tags, "note": note}}
    return respx.get(f"{SHOPIFY}/orders/4711.json").mock(return_value=httpx.Response(200, json=body))


@respx.mock
def test_shopify_gets_a_tag_and_a_note_line_with_the_shops_own_kept():
    read = shopify_order("vip, wholesale", "Leave at the back door")
    written = respx.put(f"{SHOPIFY}/orders/4711.json").mock(return_value=httpx.Response(200, json={"order": {}}))
    shopify().report_payment_failure(NOTICE)
    assert read.calls[0].request.url.params["fields"] == "id,tags,note"
    assert [json.loads(call.request.content) for call in written.calls] == [
        {"order": {"id": 4711, "tags": "vip, wholesale, payment-failed", "note": f"Leave at the back door\n{TEXT}"}}
    ]


@respx.mock
def test_shopify_is_not_written_again_once_it_shows_the_tag_and_the_reference():
    shopify_order("payment-failed", TEXT)
    written = respx.put(f"{SHOPIFY}/orders/4711.json")
    shopify().report_payment_failure(NOTICE)
    assert written.call_count == 0


@respx.mock
def test_shopify_without_the_write_orders_scope_says_which_scope_to_grant():
    shopify_order("", None)
    refusal = {"errors": "[API] This action requires merchant approval for write_orders scope."}
    respx.put(f"{SHOPIFY}/orders/4711.json").mock(return_value=httpx.Response(403, json=refusal))
    with pytest.raises(FatalError, match="grant the app the write_orders scope"):
        shopify().report_payment_failure(NOTICE)


def medusa_order(metadata: dict[str, Any] | None) -> respx.Route:
    body = {"order": {"id": "4711", "metadata": metadata}}
    return respx.get(f"{MEDUSA}/admin/orders/4711").mock(return_value=httpx.Response(200, json=body))


@respx.mock
def test_medusa_gets_the_failure_in_the_orders_metadata_with_its_own_keys_kept():
    read = medusa_order({"gift_message": "Happy birthday"})
    written = respx.post(f"{MEDUSA}/admin/orders/4711").mock(
        return_value=httpx.Response(200, json={"order": {"id": "4711"}})
    )
    connector, _waits = medusa()
    connector.report_payment_failure(NOTICE)
    assert read.calls[0].request.url.params["fields"] == "id,metadata"
    assert [json.loads(call.request.content) for call in written.calls] == [
        {"metadata": {"gift_message": "Happy birthday", "omshub_payment_failed": TEXT}}
    ]


@respx.mock
def test_medusa_is_not_written_again_once_its_metadata_names_the_reference():
    medusa_order({"omshub_payment_failed": TEXT})
    written = respx.post(f"{MEDUSA}/admin/orders/4711")
    connector, _waits = medusa()
    connector.report_payment_failure(NOTICE)
    assert written.call_count == 0
