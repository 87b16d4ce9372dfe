"""Whether a valid canonical order also fits the store: the API refuses (422) what the database would
refuse, naming the field, instead of failing while writing it.

The rows intake would write are built with intake's own pure functions and checked against the table
definitions: text no longer than its column, whole numbers inside their column's range, no NUL character
(PostgreSQL cannot store one) and no unpaired surrogate (not encodable) anywhere, no number in JSON beyond
64 bits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Table

from core.model import CanonicalOrder
from core.order_store import line_rows, order_row
from core.store.schema import order_lines, orders
from core.totals import compute_totals, price_lines

_INT32 = 2**31 - 1
_INT64 = 2**63 - 1


def problems(order: CanonicalOrder) -> list[str]:
    """Each value of `order` the store cannot hold, as 'field: what is wrong'."""
    priced = price_lines(order)
    found = list(_unfit(order_row(order, compute_totals(order, priced), channel="", hold_reason=None), orders, ""))
    for i, row in enumerate(line_rows(0, priced, {})):
        found += _unfit(row, order_lines, f"lines.{i}.")
    found += _strange(order.raw, "raw")
    return list(dict.fromkeys(found))


def _unfit(row: Mapping[str, Any], table: Table, prefix: str) -> Iterator[str]:
    limits = _limits(table)
    for name, value in row.items():
        if name == "raw" or value is None:
            continue
        largest, length = limits[name]
        if isinstance(value, str):
            if length is not None and len(value) > length:
                yield f"{_where(prefix, name)}: at most {length} characters, not {len(value)}"
            elif value.isascii() and "\x00" not in value:
                continue  # the common case, told at once
        elif isinstance(value, int) and not isinstance(value, bool) and largest is not None:
            if abs(value) > largest:
                yield f"{_where(prefix, name)}: {value} is beyond what the store holds (at most {largest})"
            continue
        if not _plain(value):
            yield from _strange(value, _where(prefix, name))


def _where(prefix: str, name: str) -> str:
    return prefix + _FIELD_OF.get(name, name)


@cache
def _limits(table: Table) -> dict[str, tuple[int | None, int | None]]:
    """Per column: the largest whole number it holds (integer columns) and its length (text columns with one)."""
    limits: dict[str, tuple[int | None, int | None]] = {}
    for column in table.c:
        kind = column.type
        largest = (_INT64 if isinstance(kind, BigInteger) else _INT32) if isinstance(kind, Integer) else None
        limits[column.name] = (largest, kind.length if isinstance(kind, String) and kind.length else None)
    return limits


def _strange(value: Any, where: str) -> Iterator[str]:
    """NUL characters, unpaired surrogates and numbers beyond 64 bits, anywhere in a JSON-like value."""
    if isinstance(value, str):
        if "\x00" in value:
            yield f"{where}: contains a NUL character"
        if not value.isascii() and not _encodable(value):
            yield f"{where}: is not valid Unicode (an unpaired surrogate)"
    elif isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > _INT64:
            yield f"{where}: {value} is beyond 64 bits"
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strange(key, where)
            yield from _strange(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strange(item, f"{where}.{i}")


def _plain(value: Any) -> bool:
    """True when `_strange` finds nothing in `value`; told without building the name of every place in it."""
    if isinstance(value, str):
        return "\x00" not in value and (value.isascii() or _encodable(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) <= _INT64
    if isinstance(value, Mapping):
        return all(_plain(key) and _plain(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    return True


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_FIELD_OF = {
    "customer_email": "customer.email",
    "customer_name": "customer (first_name and last_name together)",
    "customer_phone": "customer.phone",
    "line_key": "line_id",
    "subtotal": "lines (their subtotal)",
    "discount_total": "discounts (their total)",
    "tax_total": "tax lines (their total)",
    "total": "the order total",
}
