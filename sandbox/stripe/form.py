"""Stripe's request bodies: `application/x-www-form-urlencoded` with bracketed keys (`metadata[order_id]=1`,
`expand[]=latest_charge`), read into nested dicts and lists, and typed readers for single parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl

from sandbox.stripe.errors import invalid_param

Form = dict[str, Any]
_PART = re.compile(r"\[([^\]]*)\]")
TRUE, FALSE = ("true", "1"), ("false", "0")


def parse_form(body: bytes) -> Form:
    """The body's fields as nested values: `a[b]=1` → {"a": {"b": "1"}}, `a[]=x&a[]=y` → {"a": ["x", "y"]}."""
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise invalid_param("body", "Invalid request body: it is not form-encoded UTF-8.") from None
    return nest(pairs)


def nest(pairs: Iterable[tuple[str, str]]) -> Form:
    form: Form = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head, *_PART.findall("[" + rest)] if rest else [head]
        _put(form, parts, value)
    return form


def _put(target: Form, parts: list[str], value: str) -> None:
    node: Any = target
    for part, following in pairwise(parts):
        default: Any = [] if following == "" else {}
        node = node.setdefault(part, default) if isinstance(node, dict) else node
    last = parts[-1]
    if last == "" and isinstance(node, list):
        node.append(value)
    elif isinstance(node, dict):
        node[last] = value


def read_int(form: Form, name: str) -> int | None:
    """A positive integer amount, or None when absent."""
    raw = form.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.isdigit():
        raise invalid_param(name, f"Invalid integer: {raw}", code="parameter_invalid_integer")
    value = int(raw)
    if value <= 0:
        raise invalid_param(name, "This value must be greater than or equal to 1.")
    return value


def read_bool(form: Form, name: str, default: bool) -> bool:
    raw = form.get(name)
    if raw is None:
        return default
    if raw in TRUE or raw in FALSE:
        return raw in TRUE
    raise invalid_param(name, f"Invalid boolean: {raw}")


def read_str(form: Form, name: str) -> str | None:
    raw = form.get(name)
    if raw is not None and not isinstance(raw, str):
        raise invalid_param(name, f"Invalid string: {name} must be a string")
    return raw


def read_choice(form: Form, name: str, choices: tuple[str, ...]) -> str | None:
    value = read_str(form, name)
    if value is not None and value not in choices:
        raise invalid_param(name, f"Invalid {name}: must be one of {', '.join(choices)}")
    return value


def read_metadata(form: Form) -> dict[str, str]:
    raw = form.get("metadata", {})
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise invalid_param("metadata", "Invalid hash")
    return dict(raw)


def read_expand(values: Any) -> frozenset[str]:
    """`expand[]` from a form or the query string's list."""
    if values is None:
        return frozenset()
    if isinstance(values, str):
        return frozenset({values})
    return frozenset(str(v) for v in values)
