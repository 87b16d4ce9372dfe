"""`omshub jobs …`, `omshub channels …`, `omshub daemon`, `omshub backfill`, `omshub status`."""

from __future__ import annotations

import signal
import threading
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from cli.context import Hub, hub
from cli.output import JsonOpt, print_json, print_table
from config.types import parse_duration
from connectors.base import Window
from core import bookmarks, runs
from core.errors import FatalError, OmshubError
from core.runs import RunStatus, Trigger
from jobs.daemon import Daemon, next_run
from jobs.pull_orders import pull_window
from jobs.runner import RunReport, RunScope
from jobs.status import channel_status

app = typer.Typer(help="Scheduled jobs: list them, run one now, read run history.", no_args_is_help=True)
channels_app = typer.Typer(help="Sales channels: list them, check one against the live system.", no_args_is_help=True)
ChannelOpt = Annotated[str | None, typer.Option("--channel", "-c", help="The channel (per-channel jobs).")]


@app.command("list")
def list_(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Every job the configuration defines, with its schedule and next run time."""
    h = hub(ctx)
    now = h.clock.now()
    rows = []
    for d in h.catalog().all():
        schedule = d.schedule
        when = (
            f"every {schedule.every}" if schedule.every else (f"cron {schedule.cron}" if schedule.cron else "by hand")
        )
        rows.append(
            {
                "id": d.id,
                "job": d.key[0],
                "channel": d.key[1] or None,
                "schedule": when if schedule.enabled else "disabled",
                "next_run": next_run(d, h.config.hub.timezone, now),
            }
        )
    print_json(rows) if json_out else print_table(rows, ["id", "schedule", "next_run"], title="jobs")


@app.command()
def run(
    ctx: typer.Context,
    job: Annotated[
        str,
        typer.Argument(
            metavar="JOB",
            help="pull-orders, push-inventory, verify-inventory, reconcile, pull-shipments or pull-stock (per"
            " provider), check-tracking or dispatch.",
        ),
    ],
    channel: ChannelOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and count, write nothing anywhere.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Run one job now, through the same runner and lease as the schedule (which it does not move); dispatch,
    which claims outbox rows one by one, runs alongside other processes' dispatch instead of waiting for them."""
    h = hub(ctx)
    report = h.catalog().get(job, channel).run(h.runner(), trigger=Trigger.manual, dry_run=dry_run)
    _report(report, json_out, dry_run=dry_run)


@app.command()
def history(
    ctx: typer.Context,
    channel: ChannelOpt = None,
    job: Annotated[str | None, typer.Option(help="Only this job.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 30,
    json_out: JsonOpt = False,
) -> None:
    """Recent runs, newest first: trigger, status, counts, bookmarks and errors."""
    with hub(ctx).engine.connect() as conn:
        rows = runs.history(conn, channel=channel, job=job, limit=limit)
    cols = [
        "id",
        "job",
        "channel",
        "trigger",
        "status",
        "started_at",
        "fetched",
        "created",
        "updated",
        "quarantined",
        "pushed",
        "error_category",
    ]
    print_json(rows) if json_out else print_table(rows, cols, title="run history")


@channels_app.command("list")
def channels_list(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Configured channels: connector, locations, scheduled jobs."""
    rows = [
        {
            "channel": name,
            "type": ch.type or "(import only)",
            "locations": ", ".join(ch.locations),
            "allocation": ch.allocation.value,
            "shortage_policy": ch.shortage_policy.value,
        }
        for name, ch in hub(ctx).config.channels.items()
    ]
    print_json(rows) if json_out else print_table(rows, list(rows[0]) if rows else [], title="channels")


@channels_app.command("check")
def channels_check(
    ctx: typer.Context, name: Annotated[str | None, typer.Argument(metavar="NAME", help="One channel.")] = None
) -> None:
    """Check credentials, access scopes and location mapping against the live channel; exits 1 on a problem."""
    h = hub(ctx)
    names = [name] if name else [n for n, ch in h.config.channels.items() if ch.type]
    failed = 0
    for channel in names:
        connector = h.connectors().get(channel)
        if connector is None:
            raise FatalError(f"channel {channel!r} has no connector to check; set its type and base_url")
        problems = connector.check()
        failed += bool(problems)
        typer.echo(f"{channel}: " + ("ok" if not problems else "; ".join(problems)))
    if failed:
        raise OmshubError(f"{failed} channel(s) failed the check")


def daemon(
    ctx: typer.Context,
    grace: Annotated[
        str, typer.Option(help="How long running jobs may take to finish their page on shutdown.")
    ] = "30s",
) -> None:
    """Run the scheduler until SIGTERM or SIGINT; a restart resumes from the committed bookmarks."""
    h = hub(ctx)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    Daemon(h.catalog(), h.runner(stop), timezone=h.config.hub.timezone).serve(stop, grace=parse_duration(grace))


def backfill(
    ctx: typer.Context,
    channel: Annotated[str, typer.Option("--channel", "-c", help="The channel to backfill.")],
    start: Annotated[datetime, typer.Option("--from", help="Orders changed from (UTC unless an offset is given).")],
    end: Annotated[datetime, typer.Option("--to", help="… up to this moment.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would be taken in, write nothing.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Re-read a closed window of a channel's orders: idempotent, resumable, leaves the pull bookmark alone."""
    h = hub(ctx)
    first, last = _utc(start), _utc(end)
    if first >= last:
        raise OmshubError("--from must be before --to")
    orders = h.catalog().source(channel)
    stream = f"backfill:{first.isoformat()}/{last.isoformat()}"
    with h.engine.connect() as conn:
        progress = bookmarks.load(conn, channel, stream)
    since = max(first, datetime.fromisoformat(progress) - timedelta(minutes=5)) if progress else first

    def work(scope: RunScope) -> None:
        pull_window(scope, orders, stream=stream, window=Window(since, last))

    report = h.runner().run(
        ("backfill", channel),
        work,
        trigger=Trigger.backfill,
        deadline=timedelta(hours=6),
        bookmark=progress,
        dry_run=dry_run,
    )
    _report(report, json_out, dry_run=dry_run)


def status(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Per channel: last successful pull, lag, quarantine, dead letters, stock drift found by the last
    verify-inventory run, orders whose payment authorization lapses soon, and fulfillment requests their provider
    has not accepted within its acknowledge_within; exits 1 when a channel is stale or a request is that late."""
    h: Hub = hub(ctx)
    with h.engine.connect() as conn:
        rows = channel_status(conn, h.catalog(), h.clock.now())
    if json_out:
        print_json(rows)
    else:
        columns = ["channel", "last_success", "lag", "quarantined", "dead_letters", "drift", "verified_at"]
        columns += ["expiring_authorizations", "unacknowledged", "state"]
        print_table(rows, columns, title="channels")
    stale = [r["channel"] for r in rows if r["state"] == "stale"]
    late = [f"{r['channel']} ({r['unacknowledged']})" for r in rows if r["unacknowledged"]]
    problems = [f"stale: {', '.join(stale)} (no successful pull within three intervals)"] if stale else []
    if late:
        problems.append(
            f"fulfillment requests not accepted by their provider in time: {', '.join(late)}; see `omshub dlq list`"
            " and the provider's log"
        )
    if problems:
        raise OmshubError("; ".join(problems))


def _report(report: RunReport, json_out: bool, *, dry_run: bool) -> None:
    data: dict[str, Any] = {
        "run_id": report.run_id,
        "status": report.status.value,
        "dry_run": dry_run,
        **asdict(report.counts),
        "error_category": report.error_category,
        "error": report.error_message,
    }
    if json_out:
        print_json(data)
    else:
        counts = ", ".join(f"{v} {k}" for k, v in asdict(report.counts).items())
        typer.echo(f"{'dry run' if dry_run else f'run {report.run_id}'}: {report.status.value} ({counts})")
        if report.error_message:
            typer.echo(f"{report.error_category}: {report.error_message}", err=True)
    if report.status in (RunStatus.failed, RunStatus.aborted):
        raise typer.Exit(1)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
