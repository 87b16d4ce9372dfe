"""`omshub db …`"""

from __future__ import annotations

import typer

from cli.context import bare_hub, load_config_into_store
from core.store import migrate

app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """Create the database or migrate it to the newest schema, then load locations and channels from the config."""
    h = bare_hub(ctx)
    revision = migrate.upgrade(h.engine)
    load_config_into_store(h)
    typer.echo(f"database at revision {revision}: {h.engine.url.render_as_string(hide_password=True)}")
