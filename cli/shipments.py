"""`omshub shipments …`"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import hub
from cli.output import JsonOpt, print_json, print_table
from core import queries, tracking
from core.shipments import PushStatus

app = typer.Typer(help="Recorded shipments and how each tracking number reached the channel.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    order: Annotated[
        str | None, typer.Option(metavar="ORDER", help="Only this order: hub id or CHANNEL:EXTERNAL_ID.")
    ] = None,
    status: Annotated[PushStatus | None, typer.Option(help="Only tracking numbers in this status.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest shipment first.")] = 200,
    json_out: JsonOpt = False,
) -> None:
    """One line per tracking number (or per shipment without any): pending, sent, confirmed or failed, with the
    error of a failed one (`omshub dlq list` has it too, and `omshub dlq replay` sends it again)."""
    with hub(ctx).engine.connect() as conn:
        order_id = int(queries.get_order(conn, order)["id"]) if order is not None else None
        rows = tracking.pushes(conn, order_id=order_id, status=status, limit=limit)
    cols = ["shipment", "channel", "order", "number", "carrier", "status", "checks", "updated_at", "last_error"]
    print_json(rows) if json_out else print_table(rows, cols, title="tracking pushes")
