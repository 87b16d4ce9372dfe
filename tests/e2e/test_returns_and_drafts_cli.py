"""The returns and drafts commands, end to end through the command line on a fresh SQLite hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.support import Call, hub_cli

DRAFT = {
    "currency": "EUR",
    "taxes_included": True,
    "payment_status": "captured",
    "customer": {"email": "lena@example.com"},
    "lines": [
        {"line_id": "a", "sku": "MUG-EMA-WHT", "title": "Mug", "quantity": 2, "unit_price": 1490,
         "tax_lines": [{"title": "VAT 19%", "rate": "0.19", "amount": 476}]},
    ],
}  # fmt: skip


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Call:
    channels = '\n[channels.counter]\nlocations = ["berlin"]\n'
    return hub_cli(tmp_path, channels, env={}, stock="MUG-EMA-WHT,berlin,10\n", monkeypatch=monkeypatch, capsys=capsys)


def run_json(hub: Call, *args: str) -> object:
    code, out, err = hub(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_a_counter_sale_drafted_converted_shipped_and_partly_returned(hub: Call, tmp_path: Path) -> None:
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps(DRAFT), encoding="utf-8")
    kept = run_json(hub, "drafts", "create", str(draft), "--channel", "counter")
    assert isinstance(kept, dict) and kept["reference"] == "draft-1"
    converted = run_json(hub, "drafts", "convert", "draft-1")
    assert isinstance(converted, dict) and converted["status"] == "converted"
    run_json(hub, "orders", "ship", "counter:draft-1", "--location", "berlin", "--line", "MUG-EMA-WHT=2")

    code, _out, err = hub("returns", "request", "counter:draft-1", "--line", "MUG-EMA-WHT=3")
    assert code != 0 and "3 unit(s) asked back, 2 can be" in err
    asked = run_json(hub, "returns", "request", "counter:draft-1", "--line", "MUG-EMA-WHT=1", "--reason", "damaged")
    assert isinstance(asked, dict) and asked["reference"] == "ret-1-1"
    done = run_json(hub, "returns", "receive", "ret-1-1", "--damaged", "MUG-EMA-WHT=1", "--no-refund")
    assert isinstance(done, dict) and done["status"] == "received" and done["lines"][0]["disposition"] == "damaged"
    listed = run_json(hub, "returns", "list", "--order", "counter:draft-1")
    assert isinstance(listed, list) and [r["reference"] for r in listed] == ["ret-1-1"]
    shown = run_json(hub, "orders", "show", "counter:draft-1")
    assert isinstance(shown, dict) and shown["fulfillment_status"] == "partially_returned"
