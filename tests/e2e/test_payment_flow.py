"""End to end: an authorized order goes to the Brightpearl warehouse, ships in parcels, and its money is
captured in Stripe for what shipped, refunded within what was captured, and charged once whatever is
retried; every step over real HTTP on 127.0.0.1 against the simulators."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from sandbox.brightpearl import DEFAULT_APP_REF, DEFAULT_TOKEN
from sandbox.server import RunningBrightpearl, RunningStripe, start_brightpearl, start_stripe
from sandbox.stripe import DEFAULT_SECRET_KEY
from tests.e2e.support import Call, hub_cli

ORDER = {
    "external_id": "5012",
    "display_number": "#1001",
    "status": "pending",
    "payment_status": "authorized",
    "currency": "EUR",
    "placed_at": "2026-11-20T09:14:03+01:00",
    "updated_at": "2026-11-20T09:14:05+01:00",
    "customer": {"email": "mia.keller@example.com", "first_name": "Mia", "last_name": "Keller"},
    "shipping_address": {
        "first_name": "Mia",
        "last_name": "Keller",
        "address_1": "Torstraße 12",
        "city": "Berlin",
        "postal_code": "10119",
        "country_code": "DE",
    },
    "lines": [
        {"line_id": "l1", "sku": "MUG-EMA-WHT", "title": "Enamel mug white", "quantity": 2, "unit_price": 2500,
         "tax_lines": [{"title": "VAT 19%", "rate": "0.19", "amount": 950}]},
        {"line_id": "l2", "sku": "TEA-SEN-100", "title": "Sencha 100 g", "quantity": 1, "unit_price": 1200,
         "tax_lines": [{"title": "VAT 19%", "rate": "0.19", "amount": 228}]},
    ],
    "shipping_total": 495,
    "shipping_tax": 94,
}  # fmt: skip
TOTAL = 7967


class Time:
    """The Stripe account's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Systems:
    warehouse: RunningBrightpearl
    stripe: RunningStripe
    time: Time

    def authorize(self, amount: int) -> str:
        form = {
            "amount": str(amount),
            "currency": "eur",
            "capture_method": "manual",
            "confirm": "true",
            "payment_method": "pm_card_visa",
            "customer": "cus_mia_keller",
        }
        auth = {"Authorization": f"Bearer {DEFAULT_SECRET_KEY}"}
        answer = httpx.post(f"{self.stripe.base_url}/v1/payment_intents", data=form, headers=auth)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["id"])


@contextmanager
def running() -> Iterator[Systems]:
    """A Brightpearl warehouse and a Stripe account on 127.0.0.1, stopped afterwards."""
    time = Time()
    both = Systems(start_brightpearl(seed=3), start_stripe(clock=time), time)
    try:
        yield both
    finally:
        both.warehouse.stop()
        both.stripe.stop()


@pytest.fixture
def systems() -> Iterator[Systems]:
    with running() as both:
        yield both


def make_hub(systems: Systems, folder: Path, monkeypatch, capsys, *, multicapture: bool, web: str = "") -> Call:
    """A hub whose channel `web` (with the extra settings `web`) ships from Brightpearl and is paid by Stripe."""
    channels = f"""
[channels.web]
locations = ["berlin"]
{web}
payments = {{ processor = "stripe", capture = "on_shipment", expiry_warning_hours = 200 }}

[providers.bp]
type = "brightpearl"
role = "fulfillment"
base_url = "{systems.warehouse.base_url}/public-api/omshub"
credentials = {{ app_ref = "env:BP_APP", account_token = "env:BP_TOKEN" }}
options = {{ installed_integration_instance_id = 7, cancel_status_id = 5 }}
location_ids = {{ berlin = "2" }}

[providers.stripe]
type = "stripe"
role = "payment"
base_url = "{systems.stripe.base_url}"
credentials = {{ secret_key = "env:STRIPE_KEY" }}
options = {{ multicapture = {"true" if multicapture else "false"} }}

[routing]
fulfillment = {{ berlin = "bp" }}
"""
    env = {"BP_APP": DEFAULT_APP_REF, "BP_TOKEN": DEFAULT_TOKEN, "STRIPE_KEY": DEFAULT_SECRET_KEY}
    stock = "MUG-EMA-WHT,berlin,10\nTEA-SEN-100,berlin,10\n"
    return hub_cli(folder, channels, env=env, stock=stock, monkeypatch=monkeypatch, capsys=capsys)


def run_json(hub: Call, *args: str) -> dict:
    code, out, err = hub(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def place(hub: Call, folder: Path, payment_reference: str) -> None:
    orders = folder / "orders.ndjson"
    orders.write_text(json.dumps({**ORDER, "payment_reference": payment_reference}) + "\n", encoding="utf-8")
    code, _out, err = hub("orders", "import", str(orders), "--channel", "web")
    assert code == 0, err


def intent(systems: Systems, pi: str) -> dict:
    auth = {"Authorization": f"Bearer {DEFAULT_SECRET_KEY}"}
    url = f"{systems.stripe.base_url}/v1/payment_intents/{pi}"
    return dict(httpx.get(url, params={"expand[]": "latest_charge"}, headers=auth).json())


def ship_in_parcels(hub: Call, systems: Systems) -> int:
    [sales_order] = systems.warehouse.state.orders.values()
    notes = systems.warehouse.generator.ship_now(sales_order.id, "parcels")
    assert len(notes) >= 2, "the warehouse splits the order into parcels"
    assert run_json(hub, "jobs", "run", "pull-shipments", "--channel", "bp")["created"] == len(notes)
    return len(notes)


def test_split_shipments_capture_what_shipped_and_refunds_stay_within_captured(systems, tmp_path, monkeypatch, capsys):
    hub = make_hub(systems, tmp_path, monkeypatch, capsys, multicapture=True)
    pi = systems.authorize(TOTAL)
    place(hub, tmp_path, pi)
    run_json(hub, "jobs", "run", "dispatch")
    shown = run_json(hub, "payments", "show", "web:5012")
    assert (shown["authorized_total"], shown["authorization_expires_at"] is not None) == (TOTAL, True)
    assert run_json(hub, "status")[0]["expiring_authorizations"] == 1  # lapses within the 200 h warning

    parcels = ship_in_parcels(hub, systems)
    run_json(hub, "jobs", "run", "dispatch")
    shown = run_json(hub, "payments", "show", "web:5012")
    captures = [op for op in shown["operations"] if op["kind"] == "capture"]
    assert len(captures) == parcels and all(op["status"] == "succeeded" for op in captures)  # one per parcel
    assert (shown["payment_status"], shown["captured_total"]) == ("captured", TOTAL)
    assert intent(systems, pi)["amount_received"] == TOTAL  # no more than authorized, all of what shipped

    assert run_json(hub, "payments", "refund", "web:5012", "--amount", "20.00")["reference"] == "ref-1-1"
    code, _out, err = hub("payments", "refund", "web:5012", "--amount", "59.68")
    assert code != 0 and "59.67 EUR not refunded yet" in err
    run_json(hub, "jobs", "run", "dispatch")
    shown = run_json(hub, "payments", "show", "web:5012")
    assert (shown["payment_status"], shown["captured_total"], shown["refunded_total"]) == (
        "partially_refunded",
        TOTAL,
        2000,
    )
    assert intent(systems, pi)["latest_charge"]["amount_refunded"] == 2000


def test_a_capture_whose_answer_was_lost_charges_once_even_when_replayed_after_its_key_expired(
    systems, tmp_path, monkeypatch, capsys
):
    hub = make_hub(systems, tmp_path, monkeypatch, capsys, multicapture=False)
    pi = systems.authorize(TOTAL)
    place(hub, tmp_path, pi)
    run_json(hub, "jobs", "run", "dispatch")
    ship_in_parcels(hub, systems)
    # The capture reaches Stripe but its answer is lost: as the hub's own request would have, it carries the
    # operation's reference as idempotency key and in the intent's metadata.
    auth = {"Authorization": f"Bearer {DEFAULT_SECRET_KEY}", "Idempotency-Key": "cap-1-1"}
    form = {"amount_to_capture": str(TOTAL), "metadata[cap-1-1]": str(TOTAL)}
    url = f"{systems.stripe.base_url}/v1/payment_intents/{pi}/capture"
    assert httpx.post(url, data=form, headers=auth).status_code == 200
    systems.time.now += timedelta(hours=25)  # past the key's lifetime: only the lookup by reference can tell
    run_json(hub, "jobs", "run", "dispatch")
    run_json(hub, "jobs", "run", "dispatch")
    assert intent(systems, pi)["amount_received"] == TOTAL
    assert systems.stripe.state.calls.get("POST /v1/payment_intents/{id}/capture") == 1
    shown = run_json(hub, "payments", "show", "web:5012")
    assert [(op["reference"], op["status"]) for op in shown["operations"] if op["kind"] == "capture"] == [
        ("cap-1-1", "succeeded")
    ]
    assert shown["captured_total"] == TOTAL


def test_a_capture_after_the_authorization_lapsed_is_not_retried_and_asks_for_a_person(
    systems, tmp_path, monkeypatch, capsys
):
    hub = make_hub(systems, tmp_path, monkeypatch, capsys, multicapture=False)
    pi = systems.authorize(TOTAL)
    place(hub, tmp_path, pi)
    run_json(hub, "jobs", "run", "dispatch")
    systems.stripe.state.expire_authorization(pi)
    ship_in_parcels(hub, systems)
    for _ in range(3):
        run_json(hub, "jobs", "run", "dispatch")
    assert systems.stripe.state.calls.get("POST /v1/payment_intents/{id}/capture") is None
    shown = run_json(hub, "payments", "show", "web:5012")
    assert [op["status"] for op in shown["operations"] if op["kind"] == "capture"] == ["auth_expired"]
    assert shown["payment_status"] == "requires_action"
    [letter] = run_json(hub, "dlq", "list")
    assert letter["topic"] == "payment.operation_requested" and "reauthorize" in letter["last_error"]
    [order] = run_json(hub, "orders", "list")
    assert "authorization expired" in run_json(hub, "orders", "show", str(order["id"]))["hold_reason"]
