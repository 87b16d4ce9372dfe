"""`omshub orders …`"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.progress import Progress

from cli.context import hub
from cli.output import JsonOpt, console, parse_units, print_json, print_table
from core import channels, fulfillment_holds, queries, shipments
from core.errors import OmshubError
from core.intake import IntakeResult, ingest
from core.model import CanonicalOrder
from core.quarantine import Rejected
from core.shipments import ShipmentReport, Tracking

app = typer.Typer(help="Import, list and inspect orders.", no_args_is_help=True)

PAGE_SIZE = 250


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="NDJSON (one order per line) or a JSON array of canonical orders.")
    ],
    channel: Annotated[str, typer.Option("--channel", "-c", help="The sales channel the orders belong to.")],
    json_out: JsonOpt = False,
) -> None:
    """Import canonical orders through the same intake as the channel pulls (idempotent)."""
    h = hub(ctx)
    if not file.is_file():
        raise OmshubError(f"{file}: no such file")
    with h.engine.connect() as conn:
        channels.policy(conn, channel)  # an unknown channel fails before anything is read
    total = IntakeResult()
    screen = console()
    with Progress(console=screen, transient=True, disable=json_out or not screen.is_terminal) as progress:
        task = progress.add_task(f"importing {file.name}", total=None)
        for page in _pages(read_orders(file), PAGE_SIZE):
            total.add(ingest(h.engine, channel, page, clock=h.clock))
            progress.advance(task, len(page))
    summary = {k: getattr(total, k) for k in ("created", "updated", "unchanged", "quarantined")}
    if json_out:
        print_json(summary)
    else:
        typer.echo(", ".join(f"{v} {k}" for k, v in summary.items()))
        if total.quarantined:
            typer.echo(f"see `omshub quarantine list --channel {channel}` for the reasons")


def read_orders(file: Path) -> Iterator[Any]:
    """Orders from a JSON array or NDJSON file; a line that is not JSON becomes a rejected record."""
    with file.open("rb") as fh:
        head = fh.read(1024).lstrip()
        fh.seek(0)
        if head.startswith(b"["):
            try:
                items = orjson.loads(fh.read())
            except orjson.JSONDecodeError as exc:
                raise OmshubError(f"{file}: not valid JSON ({exc}); nothing was imported") from None
            yield from items
            return
        for number, raw in enumerate(fh, start=1):
            if raw.strip():
                yield _parse_line(raw, number)


def _parse_line(raw: bytes, number: int) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        text = raw.decode("utf-8", "replace").rstrip("\n")
        return Rejected(None, f"line {number} is not valid JSON: {exc}", {"line": number, "text": text})


def _pages(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    page: list[Any] = []
    for item in items:
        page.append(item)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


@app.command("list")
def list_(
    ctx: typer.Context,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. requires_action.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    json_out: JsonOpt = False,
) -> None:
    """List orders, newest first."""
    with hub(ctx).engine.connect() as conn:
        rows = queries.list_orders(conn, channel=channel, status=status, limit=limit)
    if json_out:
        print_json(rows)
    else:
        cols = [
            "id",
            "channel",
            "external_id",
            "display_number",
            "status",
            "payment_status",
            "fulfillment_status",
            "total",
            "placed_at",
        ]
        print_table(rows, cols, title="orders")


@app.command()
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ORDER", help="Hub id (42) or CHANNEL:EXTERNAL_ID (webshop:1001).")],
    json_out: JsonOpt = False,
) -> None:
    """Show one order with its lines and reservations."""
    with hub(ctx).engine.connect() as conn:
        order = queries.get_order(conn, ref)
    if json_out:
        print_json(order)
        return
    head = {k: v for k, v in order.items() if k not in {"lines", "reservations", "raw"} and v is not None}
    for key, value in head.items():
        typer.echo(f"{key:>20}: {value}")
    lines = [{**ln, "currency": order["currency"]} for ln in order["lines"]]
    print_table(
        lines,
        [
            "line_key",
            "sku",
            "title",
            "quantity",
            "unit_price",
            "discount",
            "tax_total",
            "fulfilled_quantity",
            "backordered_quantity",
        ],
        title="lines",
    )
    print_table(order["reservations"], ["line_key", "sku", "location", "quantity"], title="reservations")


@app.command()
def schema() -> None:
    """Print the JSON Schema of a canonical order (what `orders import` accepts)."""
    typer.echo(json.dumps(CanonicalOrder.model_json_schema(), indent=2))


@app.command()
def ship(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ORDER", help="Hub id (42) or CHANNEL:EXTERNAL_ID (webshop:1001).")],
    location: Annotated[str, typer.Option(help="The stock location the parcel left from.")],
    line: Annotated[
        list[str], typer.Option(metavar="SKU=UNITS", help="Units shipped of a line, by SKU or line key; repeatable.")
    ],
    tracking: Annotated[list[str] | None, typer.Option(metavar="NUMBER", help="A tracking number; repeatable.")] = None,
    carrier: Annotated[str | None, typer.Option(help="The carrier, e.g. DHL.")] = None,
    tracking_url: Annotated[str | None, typer.Option(help="Where the buyer can follow the parcel.")] = None,
    reference: Annotated[
        str | None, typer.Option(help="Your id for this shipment; recording the same one again changes nothing.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Record that (part of) an order shipped; the next dispatch tells the order's channel, with tracking."""
    h = hub(ctx)
    report = ShipmentReport(
        ref,
        location,
        parse_units(line),
        tuple(Tracking(number, carrier, tracking_url) for number in tracking or []),
        reference,
    )
    with h.engine.begin() as conn:
        notice = shipments.record(conn, report, h.clock.now())
    if json_out:
        print_json(asdict(notice))
        return
    done = " (order complete)" if notice.order_complete else ""
    typer.echo(f"shipment {notice.reference} recorded for {ref}{done}; dispatch tells the channel")


@app.command("release-fulfillment")
def release(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="ORDER", help="Hub id (42) or CHANNEL:EXTERNAL_ID (webshop:1001).")],
    json_out: JsonOpt = False,
) -> None:
    """Release the hold on an order's fulfillment once you have dealt with its reason (units that left after the
    channel canceled them: returned or charged; a change the provider could not take: made there). The order's
    fulfillment status is read again from its lines."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        status = fulfillment_holds.release(conn, ref, h.clock.now())
    if json_out:
        print_json({"order": ref, "fulfillment_status": status.value})
        return
    typer.echo(f"order {ref}: fulfillment released, now {status.value}")
