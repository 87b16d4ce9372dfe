"""The status page at `/`: who may open it (bearer, or Basic with a token as password), and what each
section shows of what the normal code paths recorded: runs, quarantine, dead letters, held orders, stock."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.status_page import ago, span
from cli.context import Hub, load_config_into_store
from config.settings import Config
from core import fulfillment_holds, outbox, stock_admin
from core.errors import FatalError
from core.outbox import OutboxRetry
from core.runs import RunCounts, RunEnd, RunStatus, Trigger, record_outcome
from core.store.schema import orders
from tests.api.conftest import OPERATOR, READ_TOKEN, READER, SETTINGS, canonical, dead_letter, item, settle
from tests.api.test_auth_health_metrics import metric
from tests.api.test_operations import with_shop

BROWSER = 'Basic realm="omshub"'
HOSTILE = '<script>alert("x")</script>'


def basic(password: str, user: str = "ops") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def section(page: str, anchor: str) -> str:
    """The HTML of one section of the page, tags and all."""
    found = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert found, f"no section #{anchor}"
    return found.group(1)


def text(html: str) -> str:
    """What a reader sees: tags dropped, white space folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def reasons(page: str) -> list[str]:
    """The reasons the banner gives for the hub's state."""
    found = re.search(r'<div class="verdict[^"]*" id="verdict">(.*?)</div>', page, re.S)
    assert found, "no verdict banner"
    return [text(li) for li in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def rows(html: str) -> list[str]:
    """The rows of a section's table, as text."""
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>", 1)[-1], re.S)]


@pytest.fixture
def shop_hub(engine, clock) -> Hub:
    """The API's hub, but with webshop a Shopify channel pulled every 5 minutes (from a fake connector: see
    `pull`), and the hub's time zone Berlin's."""
    settings = {**SETTINGS, "hub": {"timezone": "Europe/Berlin"}}
    webshop = {"type": "shopify", "base_url": "https://shop.example", "jobs": {"pull-orders": {"every": "5m"}}}
    settings["channels"] = {**SETTINGS["channels"], "webshop": {**SETTINGS["channels"]["webshop"], **webshop}}
    h = Hub(config=Config.model_validate(settings), engine=engine, clock=clock)
    h._connectors, h._providers = {}, {}
    load_config_into_store(h)
    with engine.begin() as conn:
        stock_admin.set_stocked(conn, "TEE", "berlin", 5, clock.now())
        stock_admin.set_stocked(conn, "MUG", "berlin", 2, clock.now())
    return h


@pytest.fixture
def shop(shop_hub: Hub):
    with TestClient(create_app(shop_hub), headers=OPERATOR) as client:
        yield client


def pull(client: TestClient, hub: Hub, *orders: dict, on_page=lambda i: None) -> dict:
    """A pull-orders run of webshop, started over the API, that reads `orders` (one page)."""
    with_shop(hub, [list(orders)], on_page)
    started = client.post("/jobs/pull-orders/runs", params={"channel": "webshop"}).json()
    settle(client)
    return client.get(f"/runs/{started['run_id']}").json()


def test_without_a_token_the_page_asks_the_browser_for_one(api):
    answer = api.get("/", headers={"Authorization": ""})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == BROWSER
    assert "password of HTTP Basic auth" in answer.json()["detail"]


def test_a_bearer_token_opens_the_page(api):
    answer = api.get("/", headers=READER)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert '<meta http-equiv="refresh" content="60">' in answer.text


def test_basic_auth_with_a_token_as_password_opens_the_page_whatever_the_user_name(api):
    for user in ("ops", "", "anyone at all"):
        assert api.get("/", headers=basic(READ_TOKEN, user)).status_code == 200


def test_a_wrong_token_is_refused_with_the_basic_challenge_and_counted(api):
    refusals = [
        basic("not-a-token-0123456789"),
        {"Authorization": "Bearer not-a-token-0123456789"},
        {"Authorization": "Basic !!not base64!!"},
        {"Authorization": "Digest username=ops"},
        {"Authorization": "Basic " + base64.b64encode(READ_TOKEN.encode()).decode()},  # no colon: no password
    ]
    for headers in refusals:
        answer = api.get("/", headers=headers)
        assert answer.status_code == 401, headers
        assert answer.headers["www-authenticate"] == BROWSER
    counted = api.get("/metrics").text
    assert metric(counted, 'omshub_api_auth_refused_total{reason="unknown"}') == 2
    assert metric(counted, 'omshub_api_auth_refused_total{reason="missing"}') == 3


def test_the_other_endpoints_still_take_only_bearer_tokens(api):
    answer = api.get("/orders", headers=basic(READ_TOKEN))
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"


def test_the_page_is_not_in_the_api_schema(api):
    assert "/" not in api.get("/openapi.json").json()["paths"]


def test_a_quiet_hub_says_all_is_well_and_shows_each_empty_section(api):
    page = api.get("/", headers=READER).text
    assert "<title>All good · omshub</title>" in page
    assert "every scheduled channel pulled recently" in page
    assert rows(section(page, "channels")) == [
        "webshop not scheduled never — 0 — — — 0",
        "pos not scheduled never — 0 — — — 0",
    ]
    assert "No runs yet." in section(page, "runs")
    assert "No dead letters." in section(page, "dead-letters")
    assert "No orders on hold." in section(page, "on-hold")
    assert rows(section(page, "stock")) == ["MUG berlin 2 2 0 0", "TEE berlin 5 5 0 0"]


def test_a_held_fulfillment_is_on_the_page_whatever_the_orders_status(api, hub):
    api.post("/orders", params={"channel": "webshop"}, json=canonical("1001", item("TEE", 1)))
    with hub.engine.begin() as conn:
        fulfillment_holds.hold(conn, 1, "canceled in the channel after bp had shipped it", hub.clock.now())
        conn.execute(orders.update().values(status="canceled"))
    [row] = rows(section(api.get("/", headers=READER).text, "on-hold"))
    assert "webshop canceled not paid requires action canceled in the channel after bp had shipped it" in row


def test_a_hub_without_channels_or_stock_says_so(engine, clock):
    bare = Hub(config=Config.model_validate({"api": SETTINGS["api"]}), engine=engine, clock=clock)
    with TestClient(create_app(bare), headers=READER) as client:
        page = client.get("/").text
    assert "No channels configured." in section(page, "channels")
    assert "No stock levels yet." in section(page, "stock")


def test_each_section_shows_what_runs_intake_and_dispatch_recorded(shop, shop_hub):
    run = pull(
        shop,
        shop_hub,
        canonical("1001", item("MUG", 3), display_number="#1001"),
        canonical("1002", totals={"total": 1}),
        canonical("1003", item("TEE", 5)),
        on_page=lambda i: shop_hub.clock.advance(timedelta(seconds=42)),
    )
    letter = dead_letter(shop_hub, 1)
    shop_hub.clock.advance(timedelta(minutes=10))
    page = shop.get("/", headers=basic(READ_TOKEN)).text

    assert "<title>Failing · omshub</title>" in page
    assert reasons(page) == ["1 dead letter", "webshop: 1 quarantined record", "1 order on hold"]
    # Berlin is an hour ahead of UTC in November: the run ended at 12:00:42 UTC, the orders were placed at 08:00
    assert rows(section(page, "channels")) == [
        "webshop ok 13:00 10 min ago 10 min 1 — — — 0",
        "pos not scheduled never — 0 — — — 0",
    ]
    assert rows(section(page, "runs")) == [
        f"{run['id']} pull-orders webshop manual success 13:00 10 min ago 42 s 3 fetched, 2 created, 1 quarantined"
    ]
    assert rows(section(page, "dead-letters")) == [
        f"{letter} shipment.created order 1 1 13:00 10 min ago 503 Service Unavailable from shop.example"
    ]
    assert rows(section(page, "on-hold")) == [
        "#1001 id 1 webshop requires action not paid not fulfilled insufficient stock: MUG (line MUG): wanted 3,"
        " available 2 09:00 4 h 10 min ago 13:00 10 min ago"
    ]
    assert rows(section(page, "stock")) == ["TEE berlin 0 5 5 0", "MUG berlin 2 2 0 0"]


def test_a_failed_pull_leaves_the_channel_stale_and_the_hub_failing(shop, shop_hub):
    first = pull(shop, shop_hub)
    shop_hub.clock.advance(timedelta(minutes=16))

    def refused(_page: int) -> None:
        raise FatalError("401 Unauthorized from shop.example; check channels.webshop.credentials")

    failed = pull(shop, shop_hub, on_page=refused)
    page = shop.get("/", headers=READER).text
    assert "<title>Failing · omshub</title>" in page
    assert reasons(page) == [
        "webshop is stale: no successful pull within three intervals",
        "1 recent run not successful",
    ]
    assert rows(section(page, "channels"))[0] == "webshop stale 13:00 16 min ago 16 min 0 — — — 0"
    assert rows(section(page, "runs")) == [
        f"{failed['id']} pull-orders webshop manual failed 13:16 just now 0.0 s — {failed['error_category']}"
        " FatalError: 401 Unauthorized from shop.example; check channels.webshop.credentials",
        f"{first['id']} pull-orders webshop manual success 13:00 16 min ago 0.0 s —",
    ]


def test_long_sections_show_twenty_rows_and_count_the_rest(api, hub):
    order_id = api.post("/orders", params={"channel": "webshop"}, json=canonical("1001")).json()["order_id"]
    letters = [dead_letter(hub, order_id) for _ in range(23)]
    placed = [datetime(2026, 11, 20, 9, 0, tzinfo=UTC) - timedelta(minutes=n) for n in range(21)]
    held = [canonical(f"H{n}", item("MUG", 5), placed_at=at.isoformat()) for n, at in enumerate(placed)]
    assert api.post("/orders/batch", params={"channel": "webshop"}, json=held).status_code == 200
    page = api.get("/", headers=READER).text
    dead = section(page, "dead-letters")
    assert "the 20 shown of 23" in text(dead)
    assert [int(r.split()[0]) for r in rows(dead)] == letters[::-1][:20]
    on_hold = section(page, "on-hold")
    assert "the 20 shown of 21" in text(on_hold)
    assert [r.split()[0] for r in rows(on_hold)] == [f"H{n}" for n in range(20, 0, -1)]  # the longest held first


def test_the_lowest_twenty_levels_are_shown_fewest_available_first(api, hub):
    with hub.engine.begin() as conn:
        for n in range(25):
            stock_admin.set_stocked(conn, f"SKU-{n:02}", "leipzig", 100 - 3 * n, hub.clock.now())
    shown = rows(section(api.get("/", headers=READER).text, "stock"))
    lowest = [["MUG", "berlin", "2"], ["TEE", "berlin", "5"]]
    lowest += [[f"SKU-{n:02}", "leipzig", str(100 - 3 * n)] for n in range(24, 6, -1)]
    assert [r.split()[:3] for r in shown] == lowest


def test_untrusted_text_is_escaped(engine, clock):
    settings = {**SETTINGS, "channels": {HOSTILE: {"locations": ["berlin"]}}}
    h = Hub(config=Config.model_validate(settings), engine=engine, clock=clock)
    load_config_into_store(h)
    with engine.begin() as conn:
        stock_admin.set_stocked(conn, HOSTILE, "berlin", 0, clock.now())
    with TestClient(create_app(h), headers=OPERATOR) as client:
        order_id = client.post("/orders", params={"channel": HOSTILE}, json=canonical("1", item(HOSTILE, 1))).json()[
            "order_id"
        ]
        client.post("/orders", params={"channel": HOSTILE}, json=canonical("2", totals={"total": 1}))
        placed = client.get(f"/orders/{order_id}").json()["history"][0]["id"]
        with engine.begin() as conn:
            outbox.fail(conn, placed, HOSTILE, clock.now(), OutboxRetry(max_attempts=1))
            end = RunEnd(RunStatus.failed, RunCounts(), error_category="http", error_message=HOSTILE)
            record_outcome(
                conn, ("pull-orders", HOSTILE), trigger=Trigger.scheduled, holder="h", now=clock.now(), end=end
            )
        page = client.get("/").text
    assert "<script>" not in page
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    for anchor in ("channels", "runs", "dead-letters", "on-hold", "stock"):
        assert escaped in section(page, anchor), anchor
    assert f"{escaped}: 1 quarantined record" in reasons(page)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0.42, "0.4 s"),
        (42, "42 s"),
        (60, "1 min"),
        (185, "3 min 5 s"),
        (7200, "2 h"),
        (7800, "2 h 10 min"),
        (86400, "1 d"),
        (3 * 86400 + 4 * 3600 + 59, "3 d 4 h"),
    ],
)
def test_durations_are_shown_in_their_two_largest_units(seconds, shown):
    assert span(timedelta(seconds=seconds)) == shown


def test_a_moment_under_a_minute_ago_or_ahead_of_the_clock_is_just_now(clock):
    now = clock.now()
    assert ago(now - timedelta(seconds=59), now) == "just now"
    assert ago(now + timedelta(seconds=5), now) == "just now"
    assert ago(now - timedelta(minutes=5, seconds=59), now) == "5 min ago"
    assert ago(now - timedelta(hours=3, minutes=10, seconds=5), now) == "3 h 10 min ago"
