"""What every command gets from the composition root."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import typer
from sqlalchemy import Engine

from config.settings import Config
from connectors import registry
from connectors.base import Connector, ConnectorType
from core import channels, kits
from core.clock import Clock
from core.errors import FatalError
from core.order_changes import Effects
from core.store import migrate
from jobs.catalog import Catalog
from jobs.runner import Runner


@dataclass
class Hub:
    config: Config
    engine: Engine
    clock: Clock
    types: Mapping[str, ConnectorType] = field(default_factory=dict)
    transport: Any = None
    """HTTP transport for every connector (tests); None in production."""
    _connectors: dict[str, Connector] | None = None
    _providers: dict[str, Connector] | None = None

    def connectors(self) -> dict[str, Connector]:
        if self._connectors is None:
            self._connectors = registry.build(self.config, self.types, self.transport)
        return self._connectors

    def providers(self) -> dict[str, Connector]:
        if self._providers is None:
            self._providers = registry.build_providers(self.config, self.types, self.transport)
        return self._providers

    def catalog(self) -> Catalog:
        return Catalog(self.config, self.engine, self.connectors(), providers=self.providers(), clock=self.clock)

    def processor_of(self, channel: str) -> str | None:
        """The payment processor of the channel, when the hub settles its money."""
        settings = self.config.channels.get(channel)
        return settings.payments.processor if settings is not None and settings.payments is not None else None

    def change_effects(self, channel: str) -> Effects:
        """What an order change of the channel acts on: routing, and the channel's payment policy."""
        catalog = self.catalog()
        return Effects(catalog.router, catalog.policies.get(channel))

    def runner(self, stop: threading.Event | None = None) -> Runner:
        return Runner(self.engine, self.clock, holder=f"{socket.gethostname()}:{os.getpid()}", stop=stop)

    def close(self) -> None:
        for connector in [*(self._connectors or {}).values(), *(self._providers or {}).values()]:
            connector.close()
        self.engine.dispose()


HubFactory = Callable[[], Hub]


def hub(ctx: typer.Context) -> Hub:
    """The wired hub, its database checked: schema current, locations and channels as configured."""
    h = bare_hub(ctx)
    if not ctx.meta.get("omshub.ready"):
        _check_schema(h)
        load_config_into_store(h)
        ctx.meta["omshub.ready"] = True
    return h


def bare_hub(ctx: typer.Context) -> Hub:
    """The wired hub without touching the database (for `db upgrade`); built on first use."""
    factory: HubFactory = ctx.obj
    return factory()


def load_config_into_store(h: Hub) -> None:
    locations, specs, bundles = h.config.location_specs(), h.config.channel_specs(), h.config.kits()
    with h.engine.connect() as conn:
        current = channels.in_sync(conn, locations, specs) and kits.in_sync(conn, bundles)
    if not current:
        with h.engine.begin() as conn:
            channels.sync(conn, locations, specs)
            kits.sync(conn, bundles)


def _check_schema(h: Hub) -> None:
    revision, head = migrate.current_revision(h.engine), migrate.head_revision()
    if revision != head:
        where = h.engine.url.render_as_string(hide_password=True)
        state = "has no omshub schema" if revision is None else f"is at schema revision {revision}, not {head}"
        raise FatalError(f"the database {where} {state}; run `omshub db upgrade`")
