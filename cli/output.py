"""Printing results: a table for people, JSON for scripts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from core.money import format_money

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def console() -> Console:
    """A console on the current stdout; piped output gets long lines rather than cut-off values."""
    terminal = Console()
    return terminal if terminal.is_terminal else Console(width=200)


def print_json(data: Any) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode())


def print_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, title: str | None = None) -> None:
    if not rows:
        console().print(f"[dim]no {title or 'rows'}[/dim]")
        return
    table = Table(title=title, title_justify="left")
    for col in columns:
        table.add_column(col.replace("_", " "), overflow="fold")
    for row in rows:
        table.add_row(*(cell(row, col) for col in columns))
    console().print(table)


def cell(row: Mapping[str, Any], col: str) -> str:
    value = row.get(col)
    if value is None:
        return ""
    if col in {"total", "subtotal", "unit_price", "discount", "tax_total"} and "currency" in row:
        return format_money(value, row["currency"])
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%SZ")
    return str(value)


def parse_units(pairs: list[str], *, option: str = "--line") -> dict[str, int]:
    """`--line SKU=UNITS` options (repeatable; the same SKU twice adds up)."""
    units: dict[str, int] = {}
    for pair in pairs:
        key, _, count = pair.rpartition("=")
        if not key or not count.isdigit():
            raise typer.BadParameter(f"{pair!r}: write SKU=UNITS, e.g. TEE-BLK-M=2", param_hint=option)
        units[key] = units.get(key, 0) + int(count)
    return units
