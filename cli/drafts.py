"""`omshub drafts …`: orders put together by hand, kept apart until converted through the normal intake."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.context import hub
from cli.output import JsonOpt, print_json, print_table
from core import drafts
from core.errors import InvalidRequest

app = typer.Typer(help="Draft orders: reserve nothing until converted; converting takes them in once.")


@app.command()
def create(
    ctx: typer.Context,
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="The draft as a JSON object (an order without external_id); - reads stdin."
        ),
    ],
    channel: Annotated[str, typer.Option(help="The channel the order will belong to.")],
    json_out: JsonOpt = False,
) -> None:
    """Keep a draft order (lines, customer, addresses, prices, an optional order_discount); it is checked as the
    order it will become and reserves nothing."""
    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    try:
        draft: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(f"{file}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(draft, dict):
        raise InvalidRequest(f"{file}: a draft is one JSON object, see `omshub orders schema`")
    h = hub(ctx)
    with h.engine.begin() as conn:
        kept = drafts.create(conn, channel, draft, h.clock.now())
    print_json(kept) if json_out else typer.echo(f"draft {kept['reference']} kept for {channel}; nothing reserved")


@app.command()
def convert(
    ctx: typer.Context,
    reference: Annotated[str, typer.Argument(metavar="DRAFT", help="The draft's reference (draft-N).")],
    json_out: JsonOpt = False,
) -> None:
    """Take the draft in as an order of its channel (stock reserved, released to fulfillment as any order);
    converting it again changes nothing and names the same order."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        done = drafts.convert(conn, reference, h.clock.now())
    print_json(done) if json_out else typer.echo(f"draft {reference} is order {done['order_id']} of {done['channel']}")


@app.command("list")
def list_(
    ctx: typer.Context,
    channel: Annotated[str | None, typer.Option(help="Only this channel's drafts.")] = None,
    status: Annotated[str | None, typer.Option(help="open or converted.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Drafts, oldest first."""
    with hub(ctx).engine.connect() as conn:
        found = drafts.list_drafts(conn, channel=channel, status=status)
    if json_out:
        print_json(found)
    else:
        print_table(found, ["reference", "channel", "status", "order_id", "created_by", "updated_at"], title="drafts")
