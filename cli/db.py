"""`omshub db …`"""

from __future__ import annotations

import typer

from cli.context import hub
from core import channels
from core.store import migrate

app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """Create the database or migrate it to the newest schema, then load locations and channels from the config."""
    h = hub(ctx)
    revision = migrate.upgrade(h.engine)
    with h.engine.begin() as conn:
        channels.sync(conn, h.config.location_specs(), h.config.channel_specs())
    typer.echo(f"database at revision {revision}: {h.engine.url.render_as_string(hide_password=True)}")
