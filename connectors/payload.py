"""What every connector's schema module needs about a channel payload: its id even when it does not
validate, and validation errors written as field paths an operator can find in the payload."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails


def raw_id(raw: Any) -> str | None:
    """The payload's `id` as text, if it has a usable one."""
    value = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(value, (int, str)) and not isinstance(value, bool) and str(value):
        return str(value)
    return None


def describe(exc: ValidationError, *, system: str, example: str = "24.80") -> str:
    """ "line_items[2].price: 'abc' is not a decimal amount such as '24.80'; currency: Field required" """
    return "; ".join(f"{_path(err['loc'])}: {_message(err, system, example)}" for err in exc.errors(include_url=False))


def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "order"


def _message(err: ErrorDetails, system: str, example: str) -> str:
    value = err.get("input")
    if err["type"] == "string_pattern_mismatch":
        return f"{value!r} is not a decimal amount such as '{example}'"
    if err["type"] == "string_type" and isinstance(value, (int, float)):
        return f"{value!r} is a JSON number where {system} sends a string (amounts are decimal strings)"
    if err["type"] == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    return str(err["msg"])
