"""`omshub edits …`, `omshub exchanges …`, `omshub claims …`: the hub's own changes to an order's lines."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.context import Hub, hub
from cli.output import JsonOpt, parse_units, print_json, print_table
from core import edits, order_changes, queries
from core.edits import NewLine
from core.exchanges import ClaimType, create_claim, create_exchange
from core.money import format_money, to_minor
from core.order_changes import ChangeKind, Effects

edits_app = typer.Typer(help="Order edits: add lines or change quantities of an order not fully shipped.")
exchanges_app = typer.Typer(help="Exchanges: shipped units come back and new lines go out in their place.")
claims_app = typer.Typer(help="Claims: a problem with delivered goods, refunded or replaced.")

OrderArg = Annotated[str, typer.Argument(metavar="ORDER", help="Hub order id, or CHANNEL:EXTERNAL_ID.")]
AddOpt = Annotated[
    list[str] | None,
    typer.Option("--add", metavar="SKU=UNITS@PRICE", help="A new line at a unit price, e.g. CAP-RED=1@24.90."),
]
TaxOpt = Annotated[
    str | None, typer.Option(help="Tax rate of the new lines as a decimal fraction, e.g. 0.19.", metavar="RATE")
]
ReasonOpt = Annotated[str | None, typer.Option(help="Reason code, e.g. wrong_size, missing_item, damaged.")]
NoteOpt = Annotated[str | None, typer.Option(help="Free text kept with the change.")]
LocationOpt = Annotated[str | None, typer.Option(help="Where returned units come back to (for restocking).")]
ListOrderOpt = Annotated[str | None, typer.Option("--order", help="Only this order's changes.")]
_COLUMNS = ["reference", "order_id", "kind", "status", "total_before", "total_after", "difference", "payment_reference"]


@edits_app.command("request")
def edit_request(
    ctx: typer.Context,
    order_ref: OrderArg,
    add: AddOpt = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="SKU=UNITS", help="A line's new quantity (0 removes it), by SKU or line key."),
    ] = None,
    tax_rate: TaxOpt = None,
    note: NoteOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Ask for an edit; nothing changes until `omshub edits confirm`. Shows the totals before and after."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        currency = queries.get_order(conn, order_ref)["currency"]
        asked = edits.request(
            conn,
            order_ref,
            h.clock.now(),
            add=_new_lines(add, currency, tax_rate),
            quantities=parse_units(set_ or [], option="--set"),
            note=note,
        )
    _show(asked, json_out, f"edit {asked['reference']} requested", currency)


@edits_app.command("confirm")
def edit_confirm(
    ctx: typer.Context,
    reference: Annotated[str, typer.Argument(metavar="EDIT", help="The edit's reference (edit-ORDER-N).")],
    json_out: JsonOpt = False,
) -> None:
    """Apply the edit: totals recomputed, reservations adjusted, the difference charged or refunded when the hub
    settles the channel's money, added units sent to the warehouse of an order already released."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        done = edits.confirm(conn, reference, _effects(h, conn, reference), h.clock.now())
        currency = queries.get_order(conn, str(done["order_id"]))["currency"]
    _show(done, json_out, f"edit {reference} confirmed", currency)


@edits_app.command("decline")
def edit_decline(
    ctx: typer.Context,
    reference: Annotated[str, typer.Argument(metavar="EDIT")],
    reason: Annotated[str | None, typer.Option(help="Why it was declined.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The customer (or the shop) declined the edit: nothing of it applies."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        done = edits.decline(conn, reference, h.clock.now(), reason=reason)
    _show(done, json_out, f"edit {reference} declined")


@edits_app.command("cancel")
def edit_cancel(
    ctx: typer.Context, reference: Annotated[str, typer.Argument(metavar="EDIT")], json_out: JsonOpt = False
) -> None:
    """Withdraw a requested edit: nothing of it applies."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        done = edits.cancel(conn, reference, h.clock.now())
    _show(done, json_out, f"edit {reference} canceled")


@edits_app.command("list")
def edit_list(ctx: typer.Context, order_ref: ListOrderOpt = None, json_out: JsonOpt = False) -> None:
    """Edits, oldest first."""
    _list(ctx, order_ref, ChangeKind.edit, json_out)


@exchanges_app.command("create")
def exchange_create(
    ctx: typer.Context,
    order_ref: OrderArg,
    returned: Annotated[
        list[str], typer.Option("--return", metavar="SKU=UNITS", help="Shipped units coming back; repeatable.")
    ],
    add: AddOpt = None,
    tax_rate: TaxOpt = None,
    reason: ReasonOpt = None,
    note: NoteOpt = None,
    location: LocationOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Exchange shipped units for new lines: a return is opened for them, the new lines are reserved and sent,
    the difference is charged now or refunded when the return is received."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        order = queries.get_order(conn, order_ref)
        made = create_exchange(
            conn,
            order_ref,
            parse_units(returned, option="--return"),
            _new_lines(add, order["currency"], tax_rate),
            h.change_effects(order["channel"]),
            h.clock.now(),
            reason=reason,
            note=note,
            location=location,
        )
    due = made["difference_due"]
    word = "to charge" if due > 0 else "to refund on receipt" if due < 0 else "nothing to settle"
    message = f"exchange {made['reference']} created (return {made['return']['reference']}); {word}"
    _show(made, json_out, f"{message}: {format_money(abs(due), order['currency'])}", order["currency"])


@exchanges_app.command("list")
def exchange_list(ctx: typer.Context, order_ref: ListOrderOpt = None, json_out: JsonOpt = False) -> None:
    """Exchanges, oldest first."""
    _list(ctx, order_ref, ChangeKind.exchange, json_out)


@claims_app.command("create")
def claim_create(
    ctx: typer.Context,
    order_ref: OrderArg,
    claim_type: Annotated[
        ClaimType, typer.Option("--type", help="refund: money back now; replace: the units sent again at no charge.")
    ],
    line: Annotated[list[str], typer.Option(metavar="SKU=UNITS", help="Shipped units the claim is about.")],
    with_return: Annotated[bool, typer.Option("--return", help="Ask the units back too.")] = False,
    reason: ReasonOpt = None,
    note: NoteOpt = None,
    location: LocationOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a claim on delivered goods and act on it at once (a refund queued, or replacements sent)."""
    h = hub(ctx)
    with h.engine.begin() as conn:
        order = queries.get_order(conn, order_ref)
        made = create_claim(
            conn,
            order_ref,
            claim_type,
            parse_units(line),
            h.change_effects(order["channel"]),
            h.clock.now(),
            with_return=with_return,
            reason=reason,
            note=note,
            location=location,
        )
    _show(made, json_out, f"claim {made['reference']} ({claim_type.value}) created", order["currency"])


@claims_app.command("list")
def claim_list(ctx: typer.Context, order_ref: ListOrderOpt = None, json_out: JsonOpt = False) -> None:
    """Claims, oldest first."""
    _list(ctx, order_ref, ChangeKind.claim, json_out)


def _new_lines(pairs: list[str] | None, currency: str, tax_rate: str | None) -> list[NewLine]:
    lines = []
    for pair in pairs or []:
        units, _, price = pair.rpartition("@")
        if not units or not price:
            raise typer.BadParameter(f"{pair!r}: write SKU=UNITS@PRICE, e.g. CAP-RED=1@24.90", param_hint="--add")
        try:
            unit_price = to_minor(price, currency)
        except ValueError as exc:
            raise typer.BadParameter(f"{pair!r}: {exc}", param_hint="--add") from None
        for sku, count in parse_units([units], option="--add").items():
            lines.append(NewLine(sku, count, unit_price, tax_rate=tax_rate))
    return lines


def _effects(h: Hub, conn: Any, reference: str) -> Effects:
    order_id = order_changes.get(conn, reference)["order_id"]
    return h.change_effects(queries.get_order(conn, str(order_id))["channel"])


def _list(ctx: typer.Context, order_ref: str | None, kind: ChangeKind, json_out: bool) -> None:
    with hub(ctx).engine.connect() as conn:
        found = order_changes.list_changes(conn, order_ref=order_ref, kind=kind)
    if json_out:
        print_json(found)
    else:
        print_table(found, _COLUMNS, title=f"{kind.value}s")


def _show(found: dict[str, Any], json_out: bool, message: str, currency: str | None = None) -> None:
    if json_out:
        print_json(found)
        return
    typer.echo(message)
    if currency is not None:
        before, after = format_money(found["total_before"], currency), format_money(found["total_after"], currency)
        typer.echo(f"total {before} → {after}")
    for name in ("payment_reference", "fulfillment"):
        if found.get(name):
            typer.echo(f"{name.replace('_', ' ')}: {found[name]}")
