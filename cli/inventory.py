"""`omshub inventory …`"""

from __future__ import annotations

import csv
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from cli.context import hub
from cli.output import JsonOpt, print_json, print_table
from core import queries, stock_admin
from core.errors import OmshubError

app = typer.Typer(help="Stock locations and levels.", no_args_is_help=True)
Sku = Annotated[str, typer.Argument(metavar="SKU", help="The inventory item's SKU.")]
Location = Annotated[str, typer.Argument(metavar="LOCATION", help="Stock location code, as in the config file.")]


@app.command()
def locations(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """List stock locations."""
    with hub(ctx).engine.connect() as conn:
        rows = queries.list_locations(conn)
    print_json(rows) if json_out else print_table(rows, ["code", "name"], title="stock locations")


@app.command()
def levels(
    ctx: typer.Context,
    sku: Annotated[str | None, typer.Option(help="Only this SKU.")] = None,
    location: Annotated[str | None, typer.Option(help="Only this location code.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Stock levels per SKU and location: stocked, reserved, available."""
    with hub(ctx).engine.connect() as conn:
        rows = queries.list_levels(conn, sku=sku, location=location)
    cols = ["sku", "location", "stocked", "reserved", "available", "incoming"]
    print_json(rows) if json_out else print_table(rows, cols, title="stock levels")


@app.command("set")
def set_(
    ctx: typer.Context,
    sku: Sku,
    location: Location,
    quantity: Annotated[int, typer.Argument(min=0, metavar="QTY", help="The counted stocked quantity.")],
    json_out: JsonOpt = False,
) -> None:
    """Set the stocked quantity of a SKU at a location (a stock count); the change is recorded in the ledger."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        change = stock_admin.set_stocked(conn, sku, location, quantity, h.clock.now())
    _report(change, json_out)


@app.command()
def adjust(
    ctx: typer.Context,
    sku: Sku,
    location: Location,
    delta: Annotated[
        int,
        typer.Argument(
            metavar="DELTA", help="Units to add; negative to remove (write -- before it: adjust SKU LOC -- -2)."
        ),
    ],
    json_out: JsonOpt = False,
) -> None:
    """Add or remove stocked units of a SKU at a location; the change is recorded in the ledger."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        change = stock_admin.adjust_stocked(conn, sku, location, delta, h.clock.now())
    _report(change, json_out)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV with a header row: sku,location,stocked.")],
    json_out: JsonOpt = False,
) -> None:
    """Set stocked quantities from a CSV stock count, all rows in one transaction."""
    h = hub(ctx)
    rows = _read_counts(file)
    with h.engine.begin() as conn:
        changes = [stock_admin.set_stocked(conn, sku, loc, qty, h.clock.now()) for sku, loc, qty in rows]
    if json_out:
        print_json([{**asdict(c), "oversold": c.oversold} for c in changes])
        return
    moved = [c for c in changes if c.stocked_before != c.stocked_after]
    typer.echo(f"{len(rows)} row(s) read from {file}, {len(moved)} level(s) changed")
    for c in changes:
        if c.oversold:
            typer.echo(f"warning: {c.sku} @ {c.location}: {c.oversold} unit(s) reserved beyond stock", err=True)


def _read_counts(file: Path) -> list[tuple[str, str, int]]:
    if not file.is_file():
        raise OmshubError(f"{file}: no such file")
    with file.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"sku", "location", "stocked"} - set(reader.fieldnames or [])
        if missing:
            raise OmshubError(f"{file}: header must name the columns sku,location,stocked; missing {sorted(missing)}")
        rows = []
        for number, row in enumerate(reader, start=2):
            qty = (row["stocked"] or "").strip()
            if not (qty.isascii() and qty.isdigit()):
                raise OmshubError(f"{file} line {number}: stocked {qty!r} is not a whole number >= 0")
            rows.append((row["sku"].strip(), row["location"].strip(), int(qty)))
    return rows


@app.command()
def check(ctx: typer.Context, json_out: JsonOpt = False) -> None:
    """Check every level against the movement ledger and the open reservations; exits 1 on a mismatch."""
    with hub(ctx).engine.connect() as conn:
        problems = stock_admin.check(conn)
    if json_out:
        print_json([asdict(p) for p in problems])
    else:
        for p in problems:
            typer.echo(p.describe())
    if problems:
        raise OmshubError(f"{len(problems)} level(s) disagree with the ledger or reservations")
    if not json_out:
        typer.echo("all levels agree with the ledger and the reservations")


def _report(change: stock_admin.LevelChange, json_out: bool) -> None:
    if json_out:
        print_json({**asdict(change), "oversold": change.oversold})
        return
    typer.echo(
        f"{change.sku} @ {change.location}: stocked {change.stocked_before} → {change.stocked_after}"
        f" (reserved {change.reserved})"
    )
    if change.oversold:
        typer.echo(
            f"warning: {change.oversold} unit(s) are reserved beyond stock; those orders cannot all ship", err=True
        )
