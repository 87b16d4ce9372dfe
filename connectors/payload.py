"""What every connector's schema module needs about a channel payload: its id even when it does not
validate, and validation errors written as field paths an operator can find in the payload."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from core.raw_json import json_value


def raw_id(raw: Any) -> str | None:
    """The payload's `id` as text, if it has a usable one."""
    return id_text(raw.get("id") if isinstance(raw, dict) else None)


def id_text(value: Any) -> str | None:
    """An id read from a payload as text: a whole number or a non-empty string."""
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


def describe_decoded(exc: msgspec.ValidationError, record: bytes | msgspec.Raw, *, system: str) -> str:
    """The same kind of message for a record decoded from its JSON text with msgspec, which reports the first
    problem as "Expected `str`, got `float` - at `$.line_items[0].price`" (a check of ours in `__post_init__`
    names its field first: "price: 'abc' is not … - at `$.line_items[2]`")."""
    message, at, where = str(exc).rpartition(" - at `$")
    if not at:
        message, where = where, ""
    path = where.rstrip("`").lstrip(".")
    if message.startswith("Object missing required field `"):
        return f"{_joined(path, message.split('`')[1])}: missing"
    field, colon, detail = message.partition(": ")
    if colon and field.isidentifier():
        path, message = _joined(path, field), detail
    if message.startswith("Expected `str`, got `") and message.endswith(("`int`", "`float`")):
        value = _value_at(record, path)
        shown = "a number" if value is None else repr(value)
        return f"{path}: {shown} is a JSON number where {system} sends a string (amounts are decimal strings)"
    return f"{path or 'order'}: {message}"


def _joined(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def _value_at(record: bytes | msgspec.Raw, path: str) -> Any:
    """The value at a path such as `line_items[0].price` (for a message only: the record is decoded again)."""
    value: Any = json_value(bytes(record))
    for key, index in _STEP.findall(path):
        try:
            value = value[int(index)] if index else value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value
