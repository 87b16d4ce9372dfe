"""The command line end to end: `run.main(argv)` on a fresh SQLite hub in each test's own folder.

Every test writes its own TOML config and order or stock files into tmp_path and drives the real
entry point, reading exit codes and what an operator would see on stdout and stderr.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import run
from core import outbox
from core.outbox import OutboxRetry
from core.store.engine import make_engine
from core.store.migrate import head_revision

REPO = Path(__file__).resolve().parents[2]

LOCATIONS = """\
[locations.berlin]
name = "Berlin warehouse"

[locations.leipzig]
name = "Leipzig overflow"
"""

WEBSHOP = """\
[channels.webshop]
locations = ["berlin", "leipzig"]
allocation = "priority"
shortage_policy = "backorder"
allow_split = true
"""

POS = """\
[channels.pos]
locations = ["berlin"]
allocation = "single_location"
shortage_policy = "hold"
"""

STOCK_CSV = "sku,location,stocked\nTEE-BLK-M,berlin,5\nMUG-LOGO,berlin,3\nCAP-NAVY,leipzig,4\n"


def line(line_id: str, sku: str, title: str, quantity: int, unit_price: int) -> dict[str, Any]:
    return {"line_id": line_id, "sku": sku, "title": title, "quantity": quantity, "unit_price": unit_price}


def order(external_id: str, *lines: dict[str, Any], total: int, **extra: Any) -> dict[str, Any]:
    """A canonical webshop order; money in euro cents, `total` as the channel states it."""
    return {
        "external_id": external_id,
        "display_number": f"#{external_id}",
        "status": "pending",
        "payment_status": "authorized",
        "currency": "EUR",
        "placed_at": "2026-11-20T09:14:03+01:00",
        "updated_at": "2026-11-20T09:14:05+01:00",
        "customer": {"email": "mia.keller@example.com", "first_name": "Mia", "last_name": "Keller"},
        "lines": list(lines),
        "totals": {"total": total},
        **extra,
    }


TEES_AND_MUG = order(
    "5012",
    line("l1", "TEE-BLK-M", "Tee black M", 2, 2500),
    line("l2", "MUG-LOGO", "Logo mug", 1, 1200),
    shipping_total=495,
    total=6695,
)
CAP = order("5013", line("l1", "CAP-NAVY", "Cap navy", 1, 1900), total=1900)
NO_UNITS = order("5016", line("l1", "MUG-LOGO", "Logo mug", 0, 1200), total=0)
WRONG_TOTAL = order("5015", line("l1", "MUG-LOGO", "Logo mug", 2, 1200), total=2500)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Omshub:
    """`omshub --config <this test's config> …`, run in-process."""

    def __init__(self, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.config = config
        self.capsys = capsys

    def __call__(self, *args: str) -> Outcome:
        self.capsys.readouterr()
        code = run.main(["--config", str(self.config), *args])
        out, err = self.capsys.readouterr()
        return Outcome(code, out, err)

    def ok(self, *args: str) -> Outcome:
        result = self(*args)
        assert result.code == 0, result.err
        return result

    def json(self, *args: str) -> Any:
        return self.ok(*args, "--json").json()


def write_config(folder: Path, *sections: str) -> Path:
    path = folder / "omshub.toml"
    hub = f'[hub]\ndatabase_url = "sqlite:///{folder / "hub.db"}"\n'
    path.write_text("\n".join([hub, *sections]), encoding="utf-8")
    return path


def write_ndjson(path: Path, orders: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in orders), encoding="utf-8")
    return path


def error_line(result: Outcome) -> str:
    """The one line an error leaves on stderr."""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: "), result.err
    return lines[0]


def section(out: str, title: str) -> str:
    """The part of human output from a table's title line up to the next table's title (or the end)."""
    lines = out.splitlines()
    start = next(i for i, text in enumerate(lines) if text.strip() == title)
    rest = lines[start + 1 :]
    end = next((i for i, text in enumerate(rest) if text.strip() in {"lines", "reservations"}), len(rest))
    return "\n".join(rest[:end])


def levels(omshub: Omshub) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(sku, location) → (stocked, reserved, available)."""
    rows = omshub.json("inventory", "levels")
    return {(r["sku"], r["location"]): (r["stocked"], r["reserved"], r["available"]) for r in rows}


def reported_keys(err: str) -> list[str]:
    """The keys a configuration error lists, one indented problem line each: '  channels.x.allocation: …'."""
    return [text.strip().split(": ", 1)[0] for text in err.splitlines()[1:] if text.startswith("  ")]


@pytest.fixture(autouse=True)
def _own_folder_and_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No OMSHUB_* variable from the developer's shell, the test's folder as the working directory, and
    a standard 80-column terminal width for whatever reads it, so output is the same on every machine."""
    for name in list(os.environ):
        if name.startswith("OMSHUB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def omshub(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Omshub:
    """A config with two locations and two channels; the database does not exist yet."""
    return Omshub(write_config(tmp_path, LOCATIONS, WEBSHOP, POS), capsys)


@pytest.fixture
def hub(omshub: Omshub) -> Omshub:
    """An upgraded database with stock counted in."""
    omshub.ok("db", "upgrade")
    Path("stock.csv").write_text(STOCK_CSV, encoding="utf-8")
    omshub.ok("inventory", "import", "stock.csv")
    return omshub


@pytest.fixture
def with_orders(hub: Omshub) -> Omshub:
    """The hub with two webshop orders imported: 5012 (tees and a mug) and 5013 (a cap)."""
    write_ndjson(Path("orders.ndjson"), [TEES_AND_MUG, CAP])
    hub.ok("orders", "import", "orders.ndjson", "--channel", "webshop")
    return hub


# db upgrade


def test_db_upgrade_creates_the_database_and_prints_its_revision(omshub, tmp_path):
    result = omshub.ok("db", "upgrade")
    assert (tmp_path / "hub.db").is_file()
    assert f"database at revision {head_revision()}" in result.out
    assert str(tmp_path / "hub.db") in result.out
    assert omshub.json("inventory", "locations") != []


def test_db_upgrade_twice_keeps_the_data_and_reports_the_same_revision(omshub):
    first = omshub.ok("db", "upgrade")
    omshub.ok("inventory", "set", "TEE-BLK-M", "berlin", "7")
    second = omshub.ok("db", "upgrade")
    assert second.out == first.out
    assert levels(omshub) == {("TEE-BLK-M", "berlin"): (7, 0, 7)}


# orders import


def test_importing_ndjson_orders_prints_the_created_updated_unchanged_and_quarantined_counts(hub):
    write_ndjson(Path("orders.ndjson"), [TEES_AND_MUG, CAP])
    result = hub.ok("orders", "import", "orders.ndjson", "--channel", "webshop")
    assert result.out.splitlines()[0] == "2 created, 0 updated, 0 unchanged, 0 quarantined"
    assert [o["external_id"] for o in hub.json("orders", "list")] == ["5013", "5012"]


def test_importing_with_json_prints_the_same_counts_as_a_json_object(hub):
    write_ndjson(Path("orders.ndjson"), [TEES_AND_MUG, CAP, NO_UNITS])
    counts = hub.json("orders", "import", "orders.ndjson", "--channel", "webshop")
    assert counts == {"created": 2, "updated": 0, "unchanged": 0, "quarantined": 1}


def test_importing_the_same_file_twice_creates_nothing_new_and_reserves_nothing_more(hub):
    write_ndjson(Path("orders.ndjson"), [TEES_AND_MUG, CAP])
    hub.ok("orders", "import", "orders.ndjson", "--channel", "webshop")
    before = levels(hub)
    again = hub.ok("orders", "import", "orders.ndjson", "--channel", "webshop")
    assert again.out.splitlines()[0] == "0 created, 0 updated, 2 unchanged, 0 quarantined"
    assert len(hub.json("orders", "list")) == 2
    assert levels(hub) == before


def test_a_newer_version_of_an_order_is_counted_as_updated_and_releases_its_stock_when_canceled(with_orders):
    canceled = {**TEES_AND_MUG, "status": "canceled", "updated_at": "2026-11-20T15:40:00+01:00"}
    write_ndjson(Path("update.ndjson"), [canceled, CAP])
    result = with_orders.ok("orders", "import", "update.ndjson", "--channel", "webshop")
    assert result.out.splitlines()[0] == "0 created, 1 updated, 1 unchanged, 0 quarantined"
    shown = with_orders.json("orders", "show", "webshop:5012")
    assert (shown["status"], shown["reservations"]) == ("canceled", [])
    assert levels(with_orders)[("TEE-BLK-M", "berlin")] == (5, 0, 5)


def test_a_json_array_file_is_imported_like_ndjson(hub):
    Path("orders.json").write_text(json.dumps([TEES_AND_MUG, CAP], indent=2), encoding="utf-8")
    counts = hub.json("orders", "import", "orders.json", "--channel", "webshop")
    assert counts == {"created": 2, "updated": 0, "unchanged": 0, "quarantined": 0}
    assert {o["external_id"] for o in hub.json("orders", "list")} == {"5012", "5013"}


def test_a_line_that_is_not_json_is_quarantined_with_its_reason_and_the_other_lines_are_imported(hub):
    broken = '{"external_id": "5014", "currency": "EUR", "lines": ['
    Path("orders.ndjson").write_text(f"{json.dumps(TEES_AND_MUG)}\n{broken}\n{json.dumps(CAP)}\n", encoding="utf-8")
    result = hub.ok("orders", "import", "orders.ndjson", "--channel", "webshop")
    assert result.out.splitlines()[0] == "2 created, 0 updated, 0 unchanged, 1 quarantined"
    assert "omshub quarantine list --channel webshop" in result.out
    assert {o["external_id"] for o in hub.json("orders", "list")} == {"5012", "5013"}
    [entry] = hub.json("quarantine", "list")
    assert entry["channel"] == "webshop"
    assert entry["reason"].startswith("line 2 is not valid JSON")
    assert hub.json("quarantine", "show", str(entry["id"]))["payload"] == {"line": 2, "text": broken}


def test_importing_for_an_unknown_channel_fails_with_one_line_naming_the_channel_and_the_fix(hub):
    write_ndjson(Path("orders.ndjson"), [TEES_AND_MUG])
    result = hub("orders", "import", "orders.ndjson", "--channel", "marketplace")
    assert result.code == 1
    message = error_line(result)
    assert "'marketplace'" in message
    assert "[channels.marketplace]" in message
    assert hub.json("orders", "list") == []


def test_importing_an_empty_file_for_an_unknown_channel_still_fails(hub):
    Path("orders.ndjson").write_text("", encoding="utf-8")
    result = hub("orders", "import", "orders.ndjson", "--channel", "marketplace")
    assert result.code == 1, result.out
    assert "'marketplace'" in error_line(result)


def test_a_channel_added_to_the_config_after_the_last_upgrade_takes_orders_right_away(tmp_path, capsys):
    Omshub(write_config(tmp_path, LOCATIONS, WEBSHOP), capsys).ok("db", "upgrade")
    omshub = Omshub(write_config(tmp_path, LOCATIONS, WEBSHOP, POS), capsys)
    write_ndjson(Path("orders.ndjson"), [CAP])
    result = omshub("orders", "import", "orders.ndjson", "--channel", "pos")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "1 created, 0 updated, 0 unchanged, 0 quarantined"
    assert [r["external_id"] for r in omshub.json("orders", "list", "--channel", "pos")] == ["5013"]


def test_importing_a_file_that_does_not_exist_fails_and_names_the_file(hub):
    result = hub("orders", "import", "missing.ndjson", "--channel", "webshop")
    assert result.code != 0
    assert "missing.ndjson" in result.err
    assert "Traceback" not in result.err


# orders list, show, schema


def test_orders_list_json_gives_the_orders_newest_first_with_their_totals_in_minor_units(with_orders):
    rows = with_orders.json("orders", "list")
    assert [(r["external_id"], r["channel"], r["status"], r["currency"], r["total"]) for r in rows] == [
        ("5013", "webshop", "pending", "EUR", 1900),
        ("5012", "webshop", "pending", "EUR", 6695),
    ]


def test_orders_list_can_be_filtered_by_channel_and_limited(with_orders):
    write_ndjson(Path("pos.ndjson"), [order("R-7781", line("1", "TEE-BLK-M", "Tee black M", 1, 2500), total=2500)])
    with_orders.ok("orders", "import", "pos.ndjson", "--channel", "pos")
    assert [r["external_id"] for r in with_orders.json("orders", "list", "--channel", "pos")] == ["R-7781"]
    assert [r["external_id"] for r in with_orders.json("orders", "list", "--limit", "2")] == ["R-7781", "5013"]


def test_orders_show_by_hub_id_gives_the_lines_and_reservations_as_json(with_orders):
    hub_id = next(r["id"] for r in with_orders.json("orders", "list") if r["external_id"] == "5012")
    shown = with_orders.json("orders", "show", str(hub_id))
    assert (shown["channel"], shown["external_id"], shown["total"]) == ("webshop", "5012", 6695)
    assert [(ln["sku"], ln["quantity"], ln["unit_price"]) for ln in shown["lines"]] == [
        ("TEE-BLK-M", 2, 2500),
        ("MUG-LOGO", 1, 1200),
    ]
    assert shown["reservations"] == [
        {"line_key": "l1", "sku": "TEE-BLK-M", "location": "berlin", "quantity": 2},
        {"line_key": "l2", "sku": "MUG-LOGO", "location": "berlin", "quantity": 1},
    ]


def test_orders_show_by_channel_and_external_id_prints_the_lines_and_reservations(with_orders):
    out = with_orders.ok("orders", "show", "webshop:5012").out
    assert re.search(r"^\s*external_id: 5012$", out, re.MULTILINE)
    assert re.search(r"^\s*status: pending$", out, re.MULTILINE)
    lines = section(out, "lines")
    for sku in ("TEE-BLK-M", "MUG-LOGO"):
        assert sku in lines, f"the lines table does not show SKU {sku}:\n{lines}"
    reserved = section(out, "reservations")
    assert re.search(r"\bl1\W+TEE-BLK-M\W+berlin\W+2\b", reserved), reserved
    assert re.search(r"\bl2\W+MUG-LOGO\W+berlin\W+1\b", reserved), reserved


@pytest.mark.parametrize("ref", ["webshop:9999", "4711", "order-5012"])
def test_orders_show_of_an_unknown_order_fails_with_one_clear_line(with_orders, ref):
    result = with_orders("orders", "show", ref)
    assert result.code == 1
    assert ref in error_line(result)


def test_orders_schema_prints_a_json_schema_of_the_canonical_order(omshub):
    schema = json.loads(omshub.ok("orders", "schema").out)
    assert schema["type"] == "object"
    assert {"external_id", "lines", "currency", "placed_at"} <= set(schema["required"])
    assert {"external_id", "lines", "currency", "totals"} <= set(schema["properties"])
    refs = re.findall(r'"\$ref": "#/\$defs/([^"]+)"', json.dumps(schema))
    assert refs and set(refs) <= set(schema["$defs"])
    order_line = schema["$defs"][schema["properties"]["lines"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert order_line["properties"]["unit_price"]["type"] == "integer"


# inventory


def test_inventory_locations_json_lists_the_configured_locations(omshub):
    omshub.ok("db", "upgrade")
    rows = omshub.json("inventory", "locations")
    assert [(r["code"], r["name"]) for r in rows] == [("berlin", "Berlin warehouse"), ("leipzig", "Leipzig overflow")]


def test_inventory_set_records_the_counted_quantity(hub):
    result = hub.ok("inventory", "set", "TEE-BLK-M", "leipzig", "12")
    assert result.out.strip() == "TEE-BLK-M @ leipzig: stocked 0 → 12 (reserved 0)"
    assert levels(hub)[("TEE-BLK-M", "leipzig")] == (12, 0, 12)


def test_inventory_adjust_adds_units_and_removes_them_with_a_negative_delta_after_a_double_dash(hub):
    added = hub.ok("inventory", "adjust", "TEE-BLK-M", "berlin", "4")
    assert added.out.strip() == "TEE-BLK-M @ berlin: stocked 5 → 9 (reserved 0)"
    removed = hub.ok("inventory", "adjust", "TEE-BLK-M", "berlin", "--", "-2")
    assert removed.out.strip() == "TEE-BLK-M @ berlin: stocked 9 → 7 (reserved 0)"
    assert levels(hub)[("TEE-BLK-M", "berlin")] == (7, 0, 7)


def test_inventory_adjust_refuses_to_take_stock_below_zero(hub):
    result = hub("inventory", "adjust", "TEE-BLK-M", "berlin", "--", "-6")
    assert result.code == 1
    assert "TEE-BLK-M" in error_line(result)
    assert levels(hub)[("TEE-BLK-M", "berlin")] == (5, 0, 5)


def test_inventory_levels_json_shows_stocked_reserved_and_available(with_orders):
    rows = with_orders.json("inventory", "levels")
    assert [(r["sku"], r["location"], r["stocked"], r["reserved"], r["available"]) for r in rows] == [
        ("CAP-NAVY", "leipzig", 4, 1, 3),
        ("MUG-LOGO", "berlin", 3, 1, 2),
        ("TEE-BLK-M", "berlin", 5, 2, 3),
    ]
    only = with_orders.json("inventory", "levels", "--sku", "MUG-LOGO", "--location", "berlin")
    assert [(r["sku"], r["available"]) for r in only] == [("MUG-LOGO", 2)]


def test_inventory_import_sets_every_level_from_a_csv_stock_count(omshub):
    omshub.ok("db", "upgrade")
    Path("count.csv").write_text(STOCK_CSV, encoding="utf-8")
    result = omshub.ok("inventory", "import", "count.csv")
    assert result.out.strip() == "3 row(s) read from count.csv, 3 level(s) changed"
    assert levels(omshub) == {
        ("TEE-BLK-M", "berlin"): (5, 0, 5),
        ("MUG-LOGO", "berlin"): (3, 0, 3),
        ("CAP-NAVY", "leipzig"): (4, 0, 4),
    }
    again = omshub.ok("inventory", "import", "count.csv")
    assert again.out.strip() == "3 row(s) read from count.csv, 0 level(s) changed"


@pytest.mark.parametrize(
    "stocked",
    [
        pytest.param("twelve", id="a-word"),
        pytest.param("-1", id="negative"),
        pytest.param("2.5", id="a-fraction"),
        pytest.param("", id="empty"),
        pytest.param("²", id="superscript-two"),
    ],
)
def test_a_bad_csv_row_fails_naming_the_file_and_line_and_changes_nothing(hub, stocked):
    Path("count.csv").write_text(
        f"sku,location,stocked\nTEE-BLK-M,berlin,9\nMUG-LOGO,berlin,{stocked}\n", encoding="utf-8"
    )
    before = levels(hub)
    result = hub("inventory", "import", "count.csv")
    assert result.code == 1
    assert "count.csv line 3" in error_line(result)
    assert levels(hub) == before


def test_a_csv_row_with_an_unknown_location_fails_and_the_rows_before_it_are_not_applied(hub):
    Path("count.csv").write_text("sku,location,stocked\nTEE-BLK-M,berlin,9\nTEE-BLK-M,hamburg,4\n", encoding="utf-8")
    before = levels(hub)
    result = hub("inventory", "import", "count.csv")
    assert result.code == 1
    assert "'hamburg'" in error_line(result)
    assert levels(hub) == before


def test_setting_stock_at_an_unknown_location_fails_naming_the_location(hub):
    result = hub("inventory", "set", "TEE-BLK-M", "hamburg", "10")
    assert result.code == 1
    message = error_line(result)
    assert "'hamburg'" in message
    assert "[locations" in message
    assert ("TEE-BLK-M", "hamburg") not in levels(hub)


def test_a_location_added_to_the_config_after_the_last_upgrade_takes_stock_right_away(tmp_path, capsys):
    Omshub(write_config(tmp_path, LOCATIONS, WEBSHOP), capsys).ok("db", "upgrade")
    store = '[locations.store-mitte]\nname = "Store Berlin-Mitte"\n'
    omshub = Omshub(write_config(tmp_path, LOCATIONS, store, WEBSHOP), capsys)
    result = omshub("inventory", "set", "TOTE-NAT", "store-mitte", "10")
    assert result.code == 0, result.err
    assert levels(omshub) == {("TOTE-NAT", "store-mitte"): (10, 0, 10)}


def test_inventory_check_exits_0_when_levels_agree_with_the_ledger_and_reservations(with_orders):
    result = with_orders.ok("inventory", "check")
    assert result.out.strip() == "all levels agree with the ledger and the reservations"
    assert with_orders.json("inventory", "check") == []


def test_inventory_check_exits_1_and_names_the_sku_when_a_level_disagrees_with_the_ledger(with_orders, tmp_path):
    with sqlite3.connect(tmp_path / "hub.db") as db:
        db.execute(
            "UPDATE inventory_levels SET stocked = stocked + 1"
            " WHERE item_id = (SELECT id FROM inventory_items WHERE sku = 'MUG-LOGO')"
        )
    db.close()
    result = with_orders("inventory", "check")
    assert result.code == 1
    assert "MUG-LOGO" in result.out
    assert error_line(result).startswith("error: 1 level(s) disagree")


# quarantine


def test_quarantine_list_json_gives_each_rejected_order_with_its_reason(hub):
    write_ndjson(Path("orders.ndjson"), [TEES_AND_MUG, NO_UNITS, WRONG_TOTAL])
    assert hub.json("orders", "import", "orders.ndjson", "--channel", "webshop")["quarantined"] == 2
    rows = hub.json("quarantine", "list")
    reasons = {r["external_id"]: (r["channel"], r["reason"]) for r in rows}
    assert reasons["5016"] == ("webshop", "invalid order: lines.0.quantity: Input should be greater than or equal to 1")
    assert reasons["5015"][1].startswith("totals do not reconcile: total: channel says 25.00 EUR, lines give 24.00 EUR")
    assert hub.json("quarantine", "list", "--channel", "pos") == []


def test_quarantine_show_json_keeps_the_payload_of_an_invalid_order(hub):
    write_ndjson(Path("orders.ndjson"), [NO_UNITS])
    hub.ok("orders", "import", "orders.ndjson", "--channel", "webshop")
    [entry] = hub.json("quarantine", "list")
    shown = hub.json("quarantine", "show", str(entry["id"]))
    assert (shown["external_id"], shown["reason"]) == ("5016", entry["reason"])
    assert shown["payload"] == NO_UNITS


def test_quarantine_show_json_keeps_the_payload_of_an_order_whose_totals_do_not_reconcile(hub):
    write_ndjson(Path("orders.ndjson"), [WRONG_TOTAL])
    hub.ok("orders", "import", "orders.ndjson", "--channel", "webshop")
    [entry] = hub.json("quarantine", "list")
    assert hub.json("quarantine", "show", str(entry["id"]))["payload"] == WRONG_TOTAL


def test_quarantine_show_of_an_unknown_entry_fails_with_one_clear_line(hub):
    result = hub("quarantine", "show", "99")
    assert result.code == 1
    assert error_line(result) == "error: no quarantine entry 99"


# configuration


def assert_config_refused(omshub: Omshub, tmp_path: Path, expected_keys: set[str]) -> None:
    result = omshub("db", "upgrade")
    assert result.code == 1
    header = result.err.splitlines()[0]
    assert header.startswith(f"error: {omshub.config}"), result.err
    reported = reported_keys(result.err)
    assert len(reported) == len(expected_keys), result.err
    for key in expected_keys:  # the key itself, or an item of it such as channels.pos.locations.0
        assert any(r == key or r.startswith(f"{key}.") for r in reported), f"{key} is not reported:\n{result.err}"
    assert f"{len(expected_keys)} problem(s)" in header, result.err
    assert not (tmp_path / "hub.db").exists()


def test_a_config_file_with_several_mistakes_names_the_file_and_every_bad_key(tmp_path, capsys):
    webshop = WEBSHOP.replace('"priority"', '"nearest"').replace("allow_split", "alow_split")
    pos = POS.replace('["berlin"]', '["store-mitte"]')
    omshub = Omshub(write_config(tmp_path, LOCATIONS, webshop, pos), capsys)
    expected = {"channels.webshop.allocation", "channels.webshop.alow_split", "channels.pos.locations"}
    assert_config_refused(omshub, tmp_path, expected)


def test_a_mistake_in_the_hub_section_does_not_hide_the_mistakes_in_the_channels(tmp_path, capsys):
    config = write_config(tmp_path, LOCATIONS, WEBSHOP.replace('"backorder"', '"wait"'))
    config.write_text(config.read_text().replace("database_url", "database_uri"))
    omshub = Omshub(config, capsys)
    assert_config_refused(omshub, tmp_path, {"hub.database_uri", "channels.webshop.shortage_policy"})


def test_channels_with_unknown_locations_are_each_reported_under_their_own_key(tmp_path, capsys):
    webshop = WEBSHOP.replace('"leipzig"]', '"hamburg"]')
    pos = POS.replace('["berlin"]', '["store-mitte"]')
    omshub = Omshub(write_config(tmp_path, LOCATIONS, webshop, pos), capsys)
    assert_config_refused(omshub, tmp_path, {"channels.webshop.locations", "channels.pos.locations"})


def test_a_config_file_that_does_not_exist_is_named_in_a_one_line_error(tmp_path, capsys):
    result = Omshub(tmp_path / "elsewhere.toml", capsys)("orders", "list")
    assert result.code == 1
    assert str(tmp_path / "elsewhere.toml") in error_line(result)


# a database that was never upgraded


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["orders", "list"], id="orders-list"),
        pytest.param(["orders", "show", "webshop:5012"], id="orders-show"),
        pytest.param(["orders", "import", "orders.ndjson", "--channel", "webshop"], id="orders-import"),
        pytest.param(["inventory", "levels"], id="inventory-levels"),
        pytest.param(["inventory", "set", "TEE-BLK-M", "berlin", "5"], id="inventory-set"),
        pytest.param(["inventory", "check"], id="inventory-check"),
        pytest.param(["quarantine", "list"], id="quarantine-list"),
    ],
)
def test_a_database_that_was_never_upgraded_asks_for_db_upgrade_in_one_line(omshub, args):
    write_ndjson(Path("orders.ndjson"), [TEES_AND_MUG])
    result = omshub(*args)
    assert result.code == 1
    assert "omshub db upgrade" in error_line(result)


# the real process


def test_python_run_py_help_lists_the_commands_and_exits_0(tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO / "run.py"), "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert {"--config", "db", "orders", "inventory", "quarantine"} <= set(re.findall(r"[\w-]+", done.stdout))
    assert not (tmp_path / "omshub.db").exists()


BUNDLES = """\
[bundles.GIFT-BOX]
components = { MUG-01 = 1, TEA-02 = 2 }
"""


def test_a_bundle_from_the_config_file_reserves_its_components_when_an_order_sells_it(tmp_path, capsys):
    omshub = Omshub(write_config(tmp_path, LOCATIONS, BUNDLES, WEBSHOP), capsys)
    omshub.ok("db", "upgrade")
    omshub.ok("inventory", "set", "MUG-01", "berlin", "4")
    omshub.ok("inventory", "set", "TEA-02", "berlin", "4")
    sold = {
        "external_id": "B-1",
        "currency": "EUR",
        "placed_at": "2026-11-20T09:00:00Z",
        "lines": [{"line_id": "1", "sku": "GIFT-BOX", "quantity": 2, "unit_price": 2500}],
    }
    Path("bundle.ndjson").write_text(json.dumps(sold) + "\n", encoding="utf-8")
    omshub.ok("orders", "import", "bundle.ndjson", "--channel", "webshop")
    assert levels(omshub) == {("MUG-01", "berlin"): (4, 2, 2), ("TEA-02", "berlin"): (4, 4, 0)}


def test_a_bundle_made_of_another_bundle_is_refused_naming_the_key(tmp_path, capsys):
    nested = BUNDLES + "\n[bundles.DOUBLE-BOX]\ncomponents = { GIFT-BOX = 2 }\n"
    omshub = Omshub(write_config(tmp_path, LOCATIONS, nested, WEBSHOP), capsys)
    result = omshub("db", "upgrade")
    assert result.code == 1
    assert "bundles.DOUBLE-BOX.components names ['GIFT-BOX']" in result.err
    assert "bundles do not nest" in result.err


def test_orders_ship_records_a_parcel_once_per_reference_and_refuses_units_that_are_not_left(tmp_path, capsys):
    omshub = Omshub(write_config(tmp_path, LOCATIONS, WEBSHOP), capsys)
    omshub.ok("db", "upgrade")
    omshub.ok("inventory", "set", "MUG-01", "berlin", "4")
    sold = {
        "external_id": "S-1",
        "currency": "EUR",
        "placed_at": "2026-11-20T09:00:00Z",
        "lines": [
            {"line_id": "11", "sku": "MUG-01", "quantity": 2, "unit_price": 900},
            {"line_id": "12", "sku": "MUG-01", "quantity": 1, "unit_price": 900},
        ],
    }
    Path("ship.ndjson").write_text(json.dumps(sold) + "\n", encoding="utf-8")
    omshub.ok("orders", "import", "ship.ndjson", "--channel", "webshop")
    ship = ("orders", "ship", "webshop:S-1", "--location", "berlin", "--line", "11=2", "--tracking", "00340434")
    first = omshub.json(*ship, "--carrier", "DHL", "--reference", "PARCEL-1")
    assert first["lines"] == [{"line_id": "11", "sku": "MUG-01", "quantity": 2}]
    assert first["tracking"] == [{"number": "00340434", "carrier": "DHL", "url": None}]
    assert first["order_complete"] is False
    assert omshub.json(*ship, "--carrier", "DHL", "--reference", "PARCEL-1") == first
    ambiguous = omshub("orders", "ship", "webshop:S-1", "--location", "berlin", "--line", "MUG-01=1")
    assert ambiguous.code == 1 and "several lines" in ambiguous.err
    too_many = omshub("orders", "ship", "webshop:S-1", "--location", "berlin", "--line", "11=1")
    assert too_many.code == 1 and "0 left to ship" in too_many.err
    last = omshub.json("orders", "ship", "webshop:S-1", "--location", "berlin", "--line", "12=1")
    assert last["order_complete"] is True and last["reference"] == "omshub-1-2"


def test_orders_release_frees_a_held_fulfillment_and_refuses_one_that_is_not_held(with_orders, tmp_path):
    refused = with_orders("orders", "release-fulfillment", "webshop:5012")
    assert refused.code == 1 and "order webshop:5012: its fulfillment is not held" in refused.err
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE orders SET fulfillment_status = 'requires_action', fulfillment_hold = 'n1 carried units canceled',"
            " hold_reason = 'n1 carried units canceled' WHERE external_id = '5012'"
        )
    engine.dispose()
    assert with_orders.json("orders", "release-fulfillment", "webshop:5012") == {
        "order": "webshop:5012",
        "fulfillment_status": "not_fulfilled",
    }
    shown = with_orders.json("orders", "show", "webshop:5012")
    assert (shown["fulfillment_status"], shown["hold_reason"], shown["fulfillment_hold"]) == (
        "not_fulfilled",
        None,
        None,
    )


def test_dlq_lists_shows_and_replays_dead_letters_once(with_orders, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    with engine.begin() as conn:
        order_id = conn.exec_driver_sql("SELECT id FROM orders WHERE external_id = '5012'").scalar_one()
        outbox.append(conn, [outbox.Event("order.shipment_created", "order", str(order_id), {"n": 1})], now)
        [message] = outbox.claim(conn, "test", now, topics=["order.shipment_created"])
        outbox.fail(
            conn, message.id, "FatalError: 422 from the shop: order is closed", now, OutboxRetry(max_attempts=1)
        )
    engine.dispose()
    [letter] = with_orders.json("dlq", "list")
    assert (letter["id"], letter["channel"], letter["attempts"]) == (message.id, "webshop", 1)
    assert "order is closed" in letter["last_error"]
    assert with_orders.json("dlq", "list", "--channel", "pos") == []
    assert with_orders.json("dlq", "show", str(message.id))["replays"] == []
    assert with_orders.json("dlq", "replay", str(message.id)) == {"replayed": [message.id]}
    assert with_orders.json("dlq", "replay", "--all") == {"replayed": []}
    [replay] = with_orders.json("dlq", "show", str(message.id))["replays"]
    assert replay["attempts_before"] == 1 and "order is closed" in replay["error_before"]
    assert with_orders.json("dlq", "list") == []
    neither = with_orders("dlq", "replay")
    assert neither.code == 1 and "--all" in error_line(neither)
