"""The WooCommerce simulator's generated orders: money that adds up, one history per seed, injected faults."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from core.clock import FixedClock
from sandbox.woocommerce import API_PATH, DEFAULT_KEY, DEFAULT_SECRET, Faults, WooGenerator, build_woocommerce

ZERO = Decimal(0)


def _history(clock: FixedClock, seed: int, *, orders: int = 250, ticks: int = 60, **options) -> WooGenerator:
    _, generator = build_woocommerce(seed=seed, orders=orders, clock=clock.now, stock=500, **options)
    for _ in range(ticks):
        clock.advance(timedelta(seconds=41))
        generator.tick()
    return generator


def _money(value: str) -> Decimal:
    return Decimal(value)


def _taxed(line: dict) -> Decimal:
    return sum((Decimal(t["total"]) for t in line["taxes"]), ZERO)


def _problems(order: dict) -> list[str]:
    lines, fees = order["line_items"], order["fee_lines"]
    subtotal = sum((_money(ln["subtotal"]) for ln in lines), ZERO)
    discount = sum((_money(ln["subtotal"]) - _money(ln["total"]) for ln in lines), ZERO)
    fee_total = sum((_money(f["total"]) for f in fees), ZERO)
    cart_tax = sum((_money(x["total_tax"]) for x in lines + fees), ZERO)
    shipping = sum((_money(s["total"]) for s in order["shipping_lines"]), ZERO)
    shipping_tax = sum((_money(s["total_tax"]) for s in order["shipping_lines"]), ZERO)
    checks = {
        "total": subtotal - discount + shipping + fee_total + cart_tax + shipping_tax == _money(order["total"]),
        "discount_total": discount == _money(order["discount_total"]),
        "coupons": discount == sum((_money(c["discount"]) for c in order["coupon_lines"]), ZERO),
        "cart_tax": cart_tax == _money(order["cart_tax"]),
        "shipping": (shipping, shipping_tax) == (_money(order["shipping_total"]), _money(order["shipping_tax"])),
        "total_tax": cart_tax + shipping_tax == _money(order["total_tax"]),
        "tax_lines": sum((_money(t["tax_total"]) for t in order["tax_lines"]), ZERO) == cart_tax,
        "line_taxes": all(_taxed(ln) == _money(ln["total_tax"]) for ln in lines),
        "refunds": -sum((_money(r["total"]) for r in order["refunds"]), ZERO) <= _money(order["total"]),
    }
    return [f"order {order['id']}: {name}" for name, ok in checks.items() if not ok]


def test_every_order_of_a_few_hundred_adds_up_to_the_cent(clock):
    generator = _history(clock, seed=5)

    orders = [order for _, order in generator.state.orders()]
    assert len(orders) >= 280
    assert [p for order in orders for p in _problems(order)] == []
    assert all(o["total"].count(".") == 1 and len(o["total"].split(".")[1]) == 2 for o in orders)


def test_the_history_has_every_kind_of_order_the_hub_must_map(clock):
    orders = [order for _, order in _history(clock, seed=8).state.orders()]

    statuses = {o["status"] for o in orders}
    assert {"processing", "on-hold", "pending", "completed", "cancelled", "refunded"} <= statuses
    assert any(o["customer_id"] == 0 for o in orders)
    assert any(o["coupon_lines"] for o in orders)
    assert any(o["fee_lines"] for o in orders)
    assert any(o["shipping"]["address_1"] == "" and not o["shipping_lines"] for o in orders)
    assert any(ln["variation_id"] and "&ndash;" in ln["name"] for o in orders for ln in o["line_items"])


def test_a_yen_store_writes_money_without_decimals(clock):
    orders = [order for _, order in _history(clock, seed=3, orders=40, ticks=0, currency="JPY").state.orders()]

    assert all("." not in o["total"] for o in orders)
    assert [p for order in orders for p in _problems(order)] == []


def test_the_same_seed_and_clock_give_the_same_shop_and_another_seed_another(clock):
    start = clock.now()

    def shop(seed: int) -> list[dict]:
        generator = _history(FixedClock(start), seed=seed, orders=80, ticks=30)
        return [order for _, order in generator.state.orders()]

    assert shop(4) == shop(4)
    assert shop(4) != shop(5)


def test_populated_orders_spread_over_the_past_thirty_days(clock):
    generator = _history(clock, seed=1, orders=100, ticks=0)

    created = sorted(order["date_created_gmt"] for _, order in generator.state.orders())
    assert created[0] == (clock.now() - timedelta(days=30)).replace(tzinfo=None).isoformat()
    assert created[-1] < clock.now().replace(tzinfo=None).isoformat()


def test_a_full_refund_marks_the_order_refunded_and_gives_its_units_back(clock):
    _, generator = build_woocommerce(clock=clock.now)
    order = generator.place_order({"BLK-NRD-QN": 2}, coupon="SOMMER15")

    refund = generator.refund(order["id"], reason="Falsche Größe")

    after = generator.state.order(order["id"])
    assert after is not None
    assert after["status"] == "refunded"
    assert refund["amount"] == order["total"]
    assert after["refunds"][0]["total"] == f"-{order['total']}"
    assert generator.state.stock_of("BLK-NRD-QN") == 20


@pytest.mark.anyio
async def test_orders_can_be_read_over_http_while_another_thread_adds_them(clock):
    app, generator = build_woocommerce(seed=2, orders=20, clock=clock.now, stock=10_000)
    done = threading.Event()

    def feed() -> None:
        for _ in range(300):
            generator.tick()
        done.set()

    worker = threading.Thread(target=feed)
    transport = httpx.ASGITransport(app=app)
    auth = (DEFAULT_KEY, DEFAULT_SECRET)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test", auth=auth) as client:
        worker.start()
        reads = 0
        while not done.is_set() or reads == 0:
            response = await client.get(f"{API_PATH}/orders", params={"per_page": "100", "orderby": "modified"})
            assert response.status_code == 200
            assert int(response.headers["X-WP-Total"]) >= 20
            reads += 1
    worker.join()
    assert len(generator.state.orders()) > 220


@pytest.mark.anyio
async def test_injected_faults_answer_429_with_retry_after_500_and_503_in_the_error_shape(clock):
    faults = Faults(seed=1, fail_on={1: 429, 2: 500, 3: 503})
    app, _ = build_woocommerce(clock=clock.now, faults=faults)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://shop.test", auth=("ck", "cs")) as client:
        answers = [await client.get(f"{API_PATH}/orders") for _ in range(4)]

    assert [a.status_code for a in answers] == [429, 500, 503, 401]
    assert answers[0].headers["Retry-After"] == faults.retry_after
    assert answers[0].json()["data"] == {"status": 429}
    assert answers[1].json()["code"] == "internal_server_error"
    assert "Retry-After" in answers[2].headers


@pytest.mark.anyio
async def test_fault_rates_are_drawn_from_the_seed_so_a_run_replays(clock):
    async def statuses(seed: int) -> list[int]:
        app, _ = build_woocommerce(clock=clock.now, faults=Faults(seed=seed, throttle=0.2, server_error=0.2))
        transport = httpx.ASGITransport(app=app)
        auth = (DEFAULT_KEY, DEFAULT_SECRET)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test", auth=auth) as client:
            return [(await client.get(f"{API_PATH}/system_status")).status_code for _ in range(40)]

    first = await statuses(9)
    assert first == await statuses(9)
    assert {200, 429, 500} <= set(first)
