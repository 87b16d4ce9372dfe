"""The `fields` query parameter as Medusa v2 reads it.

Without it a response has the resource's default fields. `+name` adds a field, `*relation` adds a relation
with all its fields, `-name` removes one; a list with any bare name replaces the defaults. A `+` sent
unencoded arrives as a space: that entry is dropped, so the field it named is missing from the answer.
Dotted names reach into relations (`items.variant`, `+items.quantity`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Node:
    """What to keep of one value: all of it (`whole`) and/or the named parts."""

    whole: bool = False
    children: dict[str, Node] = field(default_factory=dict)


def chosen_paths(raw: str | None, defaults: Sequence[str]) -> list[str]:
    """The dotted paths a `fields` value selects over `defaults`."""
    tokens = [token for token in (raw or "").split(",") if token]
    if not tokens:
        return list(defaults)
    replaces = any(not token.startswith(("+", "-", "*", " ")) for token in tokens)
    chosen = [] if replaces else list(defaults)
    for token in tokens:
        if token.startswith(" "):
            continue  # "+email" sent with a raw '+' arrives as " email"
        if token.startswith("-"):
            chosen = [path for path in chosen if path != token[1:]]
        else:
            chosen.append(token.lstrip("+*"))
    return chosen


def selection(paths: Iterable[str]) -> Node:
    root = Node()
    for path in paths:
        node = root
        for part in path.split("."):
            node = node.children.setdefault(part, Node())
        node.whole = True
    return root


def project(value: Any, node: Node, hidden: frozenset[str] = frozenset(), path: str = "") -> Any:
    """`value` cut down to `node`. A whole relation leaves out its own nested relations named in `hidden`
    (dotted paths such as "items.variant") unless they were asked for by name."""
    if isinstance(value, list):
        return [project(item, node, hidden, path) for item in value]
    if not isinstance(value, dict):
        return value
    kept = {}
    for key, sub in value.items():
        child = node.children.get(key)
        sub_path = f"{path}.{key}" if path else key
        if child is not None:
            kept[key] = project(sub, child, hidden, sub_path)
        elif node.whole and sub_path not in hidden:
            kept[key] = sub
    return kept


def shape(value: dict[str, Any], raw: str | None, defaults: Sequence[str], hidden: frozenset[str] = frozenset()) -> Any:
    """One resource as a response shows it for the `fields` value `raw`."""
    return project(value, selection(chosen_paths(raw, defaults)), hidden)
