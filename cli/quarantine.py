"""`omshub quarantine …`"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import hub
from cli.output import JsonOpt, print_json, print_table
from core import queries

app = typer.Typer(help="Records that could not be taken in, with their payload and reason.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    resolved: Annotated[
        bool, typer.Option("--resolved", help="Also list entries a later valid version resolved.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """List quarantined records (open ones unless --resolved)."""
    with hub(ctx).engine.connect() as conn:
        rows = queries.list_quarantine(conn, channel=channel, include_resolved=resolved)
    cols = ["id", "channel", "external_id", "times_seen", "last_seen", "reason"]
    print_json(rows) if json_out else print_table(rows, cols, title="quarantine")


@app.command()
def show(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(metavar="ID", help="The quarantine entry id from `quarantine list`.")],
    json_out: JsonOpt = False,
) -> None:
    """Show one quarantined record with its full payload."""
    with hub(ctx).engine.connect() as conn:
        entry = queries.get_quarantined(conn, entry_id)
    if json_out:
        print_json(entry)
        return
    for key, value in entry.items():
        if key != "payload":
            typer.echo(f"{key:>12}: {value}")
    typer.echo("     payload:")
    print_json(entry["payload"])
