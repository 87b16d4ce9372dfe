"""`omshub serve`: the HTTP API on uvicorn."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import structlog
import typer
import uvicorn

from api.app import create_app
from cli.context import hub
from config.settings import parse_bind
from core.errors import FatalError

log = structlog.get_logger("omshub.api")


def serve(
    ctx: typer.Context,
    bind: Annotated[
        str | None, typer.Option("--bind", metavar="HOST:PORT", help="Listen here (default: bind in the api section).")
    ] = None,
) -> None:
    """Serve the HTTP API (order intake, reading, operations, health, metrics) until SIGTERM or SIGINT; every
    endpoint but /healthz and /readyz needs a bearer token from the api.tokens section of the configuration."""
    h = hub(ctx)
    settings = h.config.api
    if not settings.tokens:
        raise FatalError(
            'no API tokens are configured; add [api.tokens.NAME] with token = "env:VARIABLE" and scope = "read"'
            ' or "operator" to the config file'
        )
    try:
        host, port = parse_bind(bind) if bind is not None else settings.address
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--bind") from None
    server = _Server(uvicorn.Config(create_app(h), host=host, port=port, log_config=None, proxy_headers=False))
    log.info("api.serving", host=host, port=port, callers=sorted(settings.tokens))
    server.run()
    log.info("api.stopped")
    if not server.started:
        raise FatalError(f"the API did not start on {host}:{port}; see the messages above")


class _Server(uvicorn.Server):
    """Stops on SIGTERM or SIGINT after the requests in flight (a second SIGINT forces it), then exits 0 as the
    daemon does, rather than raising the signal again."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
