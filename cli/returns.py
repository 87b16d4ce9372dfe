"""`omshub returns …`: ask shipped units back, receive them with a disposition per line, list returns."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.context import hub
from cli.output import JsonOpt, parse_units, print_json, print_table
from core import queries, returns
from core.money import format_money, to_minor
from core.returns import Disposition, Received

app = typer.Typer(help="Returns: units of shipped orders coming back, restocked or not, refunded or not.")
LineOpt = Annotated[
    list[str], typer.Option(metavar="SKU=UNITS", help="Units of a line, by SKU or line key; repeatable.")
]


@app.command("request")
def request_(
    ctx: typer.Context,
    order_ref: Annotated[str, typer.Argument(metavar="ORDER", help="Hub order id, or CHANNEL:EXTERNAL_ID.")],
    line: LineOpt,
    reason: Annotated[str | None, typer.Option(help="Reason code, e.g. damaged, wrong_size, not_wanted.")] = None,
    note: Annotated[str | None, typer.Option(help="Free text kept with the return.")] = None,
    shipping: Annotated[
        str | None, typer.Option(help="Return shipping the customer bears, e.g. 4.95 (taken off the refund).")
    ] = None,
    location: Annotated[str | None, typer.Option(help="Where the units come back to (for restocking).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Ask units of shipped lines back; never more than shipped and not yet returned or asked back."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        currency = queries.get_order(conn, order_ref)["currency"]
        created = returns.request(
            conn,
            order_ref,
            parse_units(line),
            h.clock.now(),
            reason=reason,
            note=note,
            return_shipping=to_minor(shipping, currency) if shipping else 0,
            location=location,
        )
    _show(created, json_out, f"return {created['reference']} requested")


@app.command()
def receive(
    ctx: typer.Context,
    reference: Annotated[str, typer.Argument(metavar="RETURN", help="The return's reference (ret-ORDER-N).")],
    restock: Annotated[list[str] | None, typer.Option(metavar="SKU=UNITS", help="Units back on the shelf.")] = None,
    damaged: Annotated[list[str] | None, typer.Option(metavar="SKU=UNITS", help="Units came back damaged.")] = None,
    written_off: Annotated[
        list[str] | None, typer.Option(metavar="SKU=UNITS", help="Units written off (not restocked).")
    ] = None,
    location: Annotated[str | None, typer.Option(help="Where restocked units go (default: the return's).")] = None,
    refund: Annotated[
        bool, typer.Option("--refund/--no-refund", help="Refund what was paid for the units received.")
    ] = True,
    json_out: JsonOpt = False,
) -> None:
    """Take a requested return in, saying per line what came and what becomes of it. Restocked units are
    available again at once; with --refund (the default) the refund goes to the order's payment processor with
    the next dispatch, when the hub settles the channel's money."""
    h = hub(ctx)
    came: dict[str, Received] = {}
    for disposition, pairs in (
        (Disposition.restock, restock),
        (Disposition.damaged, damaged),
        (Disposition.written_off, written_off),
    ):
        for key, units in parse_units(pairs or []).items():
            if key in came:
                raise typer.BadParameter(f"{key!r} is given twice; one disposition per line", param_hint="--restock")
            came[key] = Received(units, disposition, location)
    with h.engine.begin() as conn:
        order = queries.get_order(conn, str(returns.get(conn, reference)["order_id"]))
        done = returns.receive(
            conn, reference, came, h.clock.now(), processor=h.processor_of(order["channel"]), refund=refund
        )
    amount = done["refund_amount"]
    refunded = f"; refund {format_money(amount, order['currency'])} queued" if done["refund_reference"] else ""
    _show(done, json_out, f"return {reference} received{refunded}")


@app.command("list")
def list_(
    ctx: typer.Context,
    order_ref: Annotated[str | None, typer.Option("--order", help="Only this order's returns.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Returns, oldest first, with their lines."""
    with hub(ctx).engine.connect() as conn:
        found = returns.list_returns(conn, order_ref)
    if json_out:
        print_json(found)
        return
    rows = [{**r, "lines": ", ".join(f"{ln['line_key']}×{ln['quantity']}" for ln in r["lines"])} for r in found]
    print_table(
        rows, ["reference", "order_id", "status", "reason", "lines", "refund_amount", "updated_at"], title="returns"
    )


def _show(found: dict[str, Any], json_out: bool, message: str) -> None:
    if json_out:
        print_json(found)
    else:
        typer.echo(message)
        print_table(found["lines"], ["line_key", "quantity", "received_quantity", "disposition", "location"])
