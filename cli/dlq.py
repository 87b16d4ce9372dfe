"""`omshub dlq …`: dead letters (outbox rows whose delivery used up its attempts) and their replay."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from cli.context import hub
from cli.output import JsonOpt, print_json, print_table
from core import dead_letters
from core.errors import OmshubError

app = typer.Typer(help="Dead letters: what could not be delivered, why, and replaying it.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    channel: Annotated[str | None, typer.Option(help="Only those about this channel's orders.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List dead letters, oldest first, with the error they died of."""
    with hub(ctx).engine.connect() as conn:
        rows = dead_letters.list_dead(conn, channel=channel)
    cols = ["id", "topic", "channel", "aggregate_id", "attempts", "finished_at", "last_error"]
    print_json(rows) if json_out else print_table(rows, cols, title="dead letters")


@app.command()
def show(
    ctx: typer.Context,
    letter_id: Annotated[int, typer.Argument(metavar="ID", help="The id from `dlq list`.")],
    json_out: JsonOpt = False,
) -> None:
    """Show one dead letter with its payload, its error and the replays recorded against it."""
    with hub(ctx).engine.connect() as conn:
        letter = dead_letters.get(conn, letter_id)
    if json_out:
        print_json(letter)
        return
    for key, value in letter.items():
        if key != "replays":
            typer.echo(f"{key:>15}: {value}")
    print_table(letter["replays"], ["replayed_at", "replayed_by", "attempts_before", "error_before"], title="replays")


@app.command()
def replay(
    ctx: typer.Context,
    letter_id: Annotated[int | None, typer.Argument(metavar="[ID]", help="The id from `dlq list`.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dead letter (of --channel, if given).")] = False,
    channel: Annotated[str | None, typer.Option(help="With --all: only those about this channel.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Put dead letters back in line for the next dispatch; each replay is recorded against the original.
    Replaying one that is not dead changes nothing."""
    if (letter_id is None) == (not all_):
        raise OmshubError("give one dead letter ID, or --all (optionally with --channel)")
    h = hub(ctx)
    by = f"{os.environ.get('USER', 'operator')}@{socket.gethostname()}"
    with h.engine.begin() as conn:
        if letter_id is not None:
            replayed = [letter_id] if dead_letters.replay(conn, letter_id, h.clock.now(), by=by) else []
        else:
            replayed = dead_letters.replay_all(conn, h.clock.now(), by=by, channel=channel)
    if json_out:
        print_json({"replayed": replayed})
    else:
        typer.echo(
            f"{len(replayed)} dead letter(s) back in line for the next dispatch" + (f": {replayed}" if replayed else "")
        )
