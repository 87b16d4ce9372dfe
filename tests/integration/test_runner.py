"""The runner, leases and the pull-orders job, with a fake order source."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from connectors.http import RetryPolicy, send
from core import bookmarks, runs
from core.errors import FatalError, RateLimited
from core.runs import RunCounts, RunEnd, RunStatus, Trigger
from core.store.schema import job_run_totals, job_runs, orders
from jobs.pull_orders import pull_orders
from jobs.runner import Runner
from tests.fakes import FakeOrderSource
from tests.support import line, order, setup_hub

KEY = ("pull-orders", "web")


def pull(source, *, overlap=timedelta(minutes=5), lag=timedelta(0)):
    return lambda scope: pull_orders(scope, source, overlap=overlap, safety_lag=lag)


def runner(engine, clock, holder="daemon-a", **kw):
    return Runner(engine, clock, holder=holder, **kw)


def history(engine):
    with engine.connect() as conn:
        return runs.history(conn)


def test_a_lease_is_exclusive_until_it_expires_and_can_be_renewed_and_released(engine, clock):
    ttl = timedelta(minutes=2)
    with engine.begin() as conn:
        assert runs.acquire_lease(conn, KEY, "a", clock.now(), ttl)
        assert not runs.acquire_lease(conn, KEY, "b", clock.now(), ttl)
        assert runs.acquire_lease(conn, KEY, "a", clock.now(), ttl), "the holder may take its own lease again"
    clock.advance(timedelta(minutes=3))
    with engine.begin() as conn:
        assert not runs.renew_lease(conn, KEY, "b", clock.now(), ttl)
        assert runs.acquire_lease(conn, KEY, "b", clock.now(), ttl), "an expired lease is free"
        assert not runs.renew_lease(conn, KEY, "a", clock.now(), ttl)
        runs.release_lease(conn, KEY, "b")
        assert runs.acquire_lease(conn, KEY, "c", clock.now(), ttl)


def test_a_successful_pull_records_counts_and_bookmarks(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 10})
    source = FakeOrderSource([[order("1", minutes=1), order("2", minutes=2)], [order("3", minutes=3)]])
    report = runner(engine, clock).run(
        KEY, pull(source), trigger=Trigger.manual, deadline=timedelta(minutes=5), bookmark="2026-11-20T08:00:00+00:00"
    )
    assert report.status is RunStatus.success
    [row] = history(engine)
    assert (row["status"], row["trigger"], row["fetched"], row["created"]) == ("success", "manual", 3, 3)
    assert row["bookmark_before"] == "2026-11-20T08:00:00+00:00"
    assert row["bookmark_after"] == clock.now().isoformat()
    [window] = source.windows
    assert window.start.isoformat() == "2026-11-20T07:55:00+00:00" and window.end == clock.now()


def test_the_bookmark_advances_with_each_committed_page_and_a_failure_resumes_there(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 10})
    pages = [[order("1", minutes=1)], [order("2", minutes=2)], [order("3", minutes=3)]]

    def fail_on_third(i):
        if i == 2:
            raise RateLimited("429 Too Many Requests", retry_after=7)

    report = runner(engine, clock).run(
        KEY,
        pull(FakeOrderSource(pages, fail_on_third)),
        trigger=Trigger.scheduled,
        deadline=timedelta(minutes=5),
        bookmark="2026-11-20T08:00:00+00:00",
    )
    assert (report.status, report.error_category) == (RunStatus.partial, "rate_limited")
    with engine.connect() as conn:
        mark = bookmarks.load(conn, "web", "orders")
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 2
    assert mark == order("2", minutes=2)["updated_at"].replace("Z", "+00:00")
    retry = FakeOrderSource(pages)
    runner(engine, clock).run(
        KEY, pull(retry, overlap=timedelta(0)), trigger=Trigger.scheduled, deadline=timedelta(minutes=5), bookmark=mark
    )
    assert retry.windows[0].start.isoformat() == mark


def test_a_held_lease_makes_the_second_run_skip_and_say_so(engine, clock):
    setup_hub(engine)
    with engine.begin() as conn:
        runs.acquire_lease(conn, KEY, "daemon-b", clock.now(), timedelta(minutes=2))
    report = runner(engine, clock).run(
        KEY, pull(FakeOrderSource([[order("1")]])), trigger=Trigger.manual, deadline=timedelta(minutes=5)
    )
    assert report.status is RunStatus.skipped
    [row] = history(engine)
    assert (row["status"], row["error_category"]) == ("skipped", "lease_held")


def test_a_fatal_error_fails_the_run_and_frees_the_lease(engine, clock):
    setup_hub(engine)

    def broken(scope):
        raise FatalError("401 from the channel: check the access token")

    report = runner(engine, clock).run(KEY, broken, trigger=Trigger.manual, deadline=timedelta(minutes=5))
    assert (report.status, report.error_category) == (RunStatus.failed, "fatal")
    assert "access token" in history(engine)[0]["error_message"]
    with engine.begin() as conn:
        assert runs.acquire_lease(conn, KEY, "someone-else", clock.now(), timedelta(minutes=2))


def test_a_run_past_its_deadline_is_aborted_between_pages(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 10})
    source = FakeOrderSource([[order("1")], [order("2")]], on_page=lambda i: clock.advance(timedelta(minutes=3)))
    report = runner(engine, clock).run(KEY, pull(source), trigger=Trigger.scheduled, deadline=timedelta(minutes=5))
    assert (report.status, report.error_category) == (RunStatus.aborted, "deadline")
    assert report.counts.created == 1


def test_a_shutdown_request_stops_the_run_after_the_current_page(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 10})
    stop = threading.Event()
    source = FakeOrderSource([[order("1")], [order("2")]], on_page=lambda i: stop.set() if i == 1 else None)
    report = runner(engine, clock, stop=stop).run(
        KEY, pull(source), trigger=Trigger.scheduled, deadline=timedelta(minutes=5)
    )
    assert (report.status, report.error_category, report.counts.created) == (RunStatus.aborted, "shutdown", 1)


def test_a_dry_run_counts_what_it_would_do_and_changes_nothing(engine, clock):
    setup_hub(engine, stock={("SKU-A", "near"): 10})
    source = FakeOrderSource([[order("1", line("SKU-A", 2)), order("2")]])
    report = runner(engine, clock).run(
        KEY, pull(source), trigger=Trigger.manual, deadline=timedelta(minutes=5), dry_run=True
    )
    assert (report.status, report.run_id, report.counts.created) == (RunStatus.success, None, 2)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(job_runs)).scalar_one() == 0
        assert bookmarks.load(conn, "web", "orders") is None


def test_a_run_counts_the_throttling_answers_its_calls_received_retried_or_not(engine, clock):
    answers = iter([429, 429, 200, 503])

    def shop(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        throttle = {"brightpearl-next-throttle-period": "5"} if status == 503 else {}
        return httpx.Response(status, json={}, headers={"Retry-After": "0", **throttle})

    def work(scope):
        policy = RetryPolicy(max_attempts=3, backoff_base=0.001)
        with httpx.Client(transport=httpx.MockTransport(shop)) as client:
            send(client, client.build_request("GET", "https://shop.test/orders"), policy=policy, sleep=lambda _: None)
            send(client, client.build_request("GET", "https://bp.test/order"), policy=RetryPolicy(max_attempts=1))

    report = runner(engine, clock).run(KEY, work, trigger=Trigger.manual, deadline=timedelta(minutes=1))
    assert (report.status, report.error_category, report.counts.throttled) == (RunStatus.failed, "rate_limited", 3)
    with engine.connect() as conn:
        assert conn.execute(select(job_runs.c.throttled)).scalar_one() == 3


def test_finished_runs_are_added_to_their_totals_as_they_finish(engine, clock):
    now = clock.now()
    with engine.begin() as conn:
        ok = runs.start_run(conn, KEY, trigger=Trigger.manual, holder="a", now=now, bookmark=None)
        runs.finish_run(
            conn, ok, RunEnd(RunStatus.success, RunCounts(pushed=4, throttled=1)), now + timedelta(seconds=2)
        )
        bad = runs.start_run(conn, KEY, trigger=Trigger.scheduled, holder="a", now=now, bookmark=None)
        failed = RunEnd(RunStatus.failed, RunCounts(throttled=3), error_category="rate_limited", error_message="429")
        runs.finish_run(conn, bad, failed, now + timedelta(seconds=5))
        runs.record_outcome(
            conn, KEY, trigger=Trigger.scheduled, holder="b", now=now, end=RunEnd(RunStatus.skipped, RunCounts())
        )
        gone = runs.start_run(conn, KEY, trigger=Trigger.scheduled, holder="c", now=now, bookmark=None)
        runs.close_abandoned(conn, KEY, now + timedelta(minutes=1))
        runs.close_abandoned(conn, KEY, now + timedelta(minutes=2))
        late = RunEnd(RunStatus.success, RunCounts(pushed=9))  # its process finishes after all: counted once
        runs.finish_run(conn, gone, late, now + timedelta(minutes=3))
        runs.start_run(conn, ("push-inventory", "web"), trigger=Trigger.manual, holder="d", now=now, bookmark=None)
    r, t = job_runs.c, job_run_totals.c
    with engine.connect() as conn:
        category = func.coalesce(r.error_category, "")
        expected = conn.execute(
            select(r.job, r.status, category, func.count(), func.sum(r.pushed), func.sum(r.throttled), func.max(r.id))
            .where(r.status != RunStatus.running.value)
            .group_by(r.job, r.status, category)
            .order_by(r.job, r.status)
        ).all()
        totals = conn.execute(
            select(t.job, t.status, t.error_category, t.runs, t.pushed, t.throttled, t.last_run_id).order_by(
                t.job, t.status
            )
        ).all()
        seconds = dict(conn.execute(select(t.status, t.seconds)).all())
        assert runs.last_success(conn) == {KEY: now + timedelta(seconds=2)}
        assert runs.last_finished(conn, "pull-orders")["web"]["id"] == ok
    assert [tuple(row) for row in totals] == [tuple(row) for row in expected]
    assert [row.status for row in totals] == ["aborted", "failed", "skipped", "success"], "running runs wait"
    assert (seconds["success"], seconds["failed"], seconds["aborted"]) == (2.0, 5.0, 60.0)
    assert [row.runs for row in totals] == [1, 1, 1, 1]
