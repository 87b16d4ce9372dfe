"""What every command gets from the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import typer
from sqlalchemy import Engine

from config.settings import Config
from core.clock import Clock


@dataclass(frozen=True)
class Hub:
    config: Config
    engine: Engine
    clock: Clock


HubFactory = Callable[[], Hub]


def hub(ctx: typer.Context) -> Hub:
    """The wired hub; built on first use so `--help` never touches the database."""
    factory: HubFactory = ctx.obj
    return factory()
