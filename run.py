"""omshub — composition root and command-line entry.

Reads the configuration, builds the engine and clock, and hands them to the commands.
Nothing else happens here; `python run.py …` and `omshub …` are the same program.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Annotated

import typer
from sqlalchemy.exc import DBAPIError

from cli import (
    changes,
    db,
    dlq,
    drafts,
    inventory,
    jobs,
    orders,
    payments,
    quarantine,
    returns,
    sandbox,
    serve,
    shipments,
)
from cli.context import Hub
from config import logging as log_setup
from config import settings
from config.runtime import tune_runtime
from connectors import registry
from core.clock import SystemClock
from core.errors import OmshubError
from core.store.engine import make_engine

app = typer.Typer(
    name="omshub",
    help="Order-management integration hub: orders, stock and money across every sales channel.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(orders.app, name="orders")
app.add_typer(inventory.app, name="inventory")
app.add_typer(quarantine.app, name="quarantine")
app.add_typer(dlq.app, name="dlq")
app.add_typer(payments.app, name="payments")
app.add_typer(returns.app, name="returns")
app.add_typer(drafts.app, name="drafts")
app.add_typer(changes.edits_app, name="edits")
app.add_typer(changes.exchanges_app, name="exchanges")
app.add_typer(changes.claims_app, name="claims")
app.add_typer(shipments.app, name="shipments")
app.add_typer(jobs.app, name="jobs")
app.add_typer(jobs.channels_app, name="channels")
app.command("daemon")(jobs.daemon)
app.command("backfill")(jobs.backfill)
app.command("status")(jobs.status)
app.command("sandbox")(sandbox.sandbox)
app.command("serve")(serve.serve)


_hubs: list[Hub] = []


def build_hub(config_file: str | None) -> Hub:
    types = registry.connector_types()
    config = settings.load(settings.config_path(config_file), check=lambda cfg: registry.problems(cfg, types))
    log_setup.configure(config.hub.log_format)
    hub = Hub(config=config, engine=make_engine(config.hub.database_url), clock=SystemClock(), types=types)
    _hubs.append(hub)
    return hub


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        str | None,
        typer.Option("--config", help="Configuration file (default: $OMSHUB_CONFIG or ./omshub.toml)."),
    ] = None,
) -> None:
    ctx.obj = cache(lambda: build_hub(config))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors become one line on stderr and a non-zero exit code."""
    try:
        app(args=argv, prog_name="omshub")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except OmshubError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 1
    except DBAPIError as exc:
        typer.echo(f"error: database: {exc.orig}; a new or older database needs `omshub db upgrade`", err=True)
        return 1
    finally:
        while _hubs:
            _hubs.pop().close()
    return 0


if __name__ == "__main__":
    tune_runtime()
    sys.exit(main())


def main_entry() -> None:
    """Console-script entry point (`omshub`)."""
    tune_runtime()
    sys.exit(main())
