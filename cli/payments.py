"""`omshub payments …`: the money of one order as the hub settled it, and captures or refunds by hand."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.context import Hub, hub
from cli.output import JsonOpt, print_json, print_table
from core import payments, queries
from core.errors import InvalidRequest
from core.money import format_money, to_minor

app = typer.Typer(help="Payments: captures, refunds and releases of orders the hub settles.", no_args_is_help=True)
OrderArg = Annotated[str, typer.Argument(metavar="ORDER", help="Hub order id, or CHANNEL:EXTERNAL_ID.")]
AmountOpt = Annotated[str | None, typer.Option(help="In the order's currency, e.g. 12.50 (default: all that is left).")]


@app.command("show")
def show(ctx: typer.Context, order_ref: OrderArg, json_out: JsonOpt = False) -> None:
    """Show what the processor holds for the order and every operation sent for it, with its status."""
    with hub(ctx).engine.connect() as conn:
        statement = payments.statement(conn, queries.get_order(conn, order_ref)["id"])
    if json_out:
        print_json(statement)
        return
    currency = statement["currency"]
    for key in ("payment_status", "payment_reference", "authorization_expires_at"):
        typer.echo(f"{key:>24}: {statement[key]}")
    for key in ("total", "authorized_total", "captured_total", "refunded_total", "refundable"):
        value = statement[key]
        typer.echo(f"{key:>24}: {'unknown' if value is None else format_money(value, currency)}")
    rows = [{**op, "amount": format_money(op["amount"], currency)} for op in statement["operations"]]
    print_table(rows, ["reference", "kind", "amount", "status", "cause", "updated_at", "reason"], title="operations")


@app.command()
def capture(ctx: typer.Context, order_ref: OrderArg, amount: AmountOpt = None, json_out: JsonOpt = False) -> None:
    """Capture (part of) an order's authorization; it goes out with the next dispatch. For channels whose
    capture policy is `manual`, or to take what an earlier partial capture left."""
    _queue(hub(ctx), order_ref, amount, json_out, refund=False, reason="")


@app.command()
def refund(
    ctx: typer.Context,
    order_ref: OrderArg,
    amount: AmountOpt = None,
    reason: Annotated[str, typer.Option(help="Why, kept with the refund.")] = "operator",
    json_out: JsonOpt = False,
) -> None:
    """Refund (part of) what was captured; never more than captured less earlier refunds. It goes out with the
    next dispatch."""
    _queue(hub(ctx), order_ref, amount, json_out, refund=True, reason=reason)


def _queue(h: Hub, order_ref: str, amount: str | None, json_out: bool, *, refund: bool, reason: str) -> None:
    with h.engine.begin() as conn:
        order = queries.get_order(conn, order_ref)
        processor = h.processor_of(order["channel"])
        if processor is None:
            raise InvalidRequest(
                f"channel {order['channel']!r} has no [channels.{order['channel']}.payments]: the hub does not settle"
                " its orders' money"
            )
        minor = None if amount is None else to_minor(amount, order["currency"])
        now = h.clock.now()
        op = (
            payments.request_refund(conn, order_ref, processor, minor, reason, now)
            if refund
            else payments.request_capture(conn, order_ref, processor, minor, now)
        )
    result: dict[str, Any] = {"reference": op.reference, "kind": op.kind.value, "amount": op.amount}
    if json_out:
        print_json(result)
    else:
        typer.echo(f"{op.kind.value} {op.reference} of {format_money(op.amount, op.currency)} queued for dispatch")
