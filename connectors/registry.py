"""Connector types by name: the built-in ones and those that installed packages add through the
entry-point group `omshub.connectors` (each entry point names a `ConnectorType`)."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from pydantic import ValidationError

from config.settings import Config
from connectors.base import ChannelSettings, Connector, ConnectorType

ENTRY_POINT_GROUP = "omshub.connectors"


def connector_types() -> dict[str, ConnectorType]:
    from connectors.brightpearl.connector import BRIGHTPEARL
    from connectors.medusa.connector import MEDUSA
    from connectors.shopify.connector import SHOPIFY
    from connectors.stripe.connector import STRIPE
    from connectors.woocommerce.connector import WOOCOMMERCE

    types = {kind.name: kind for kind in (SHOPIFY, WOOCOMMERCE, MEDUSA, BRIGHTPEARL, STRIPE)}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        if not isinstance(loaded, ConnectorType):
            raise TypeError(f"entry point {entry.name} = {entry.value} is not a ConnectorType")
        types[entry.name] = loaded
    return types


def problems(config: Config, types: Mapping[str, ConnectorType]) -> list[str]:
    """What is wrong with each channel's and provider's connector settings, as `  SECTION.NAME.KEY: message`."""
    found = []
    for name, channel in config.channels.items():
        if channel.type is not None:
            found += _problems(f"channels.{name}", channel, types, role="channel")
    for name, provider in config.providers.items():
        found += _problems(f"providers.{name}", provider, types, role=provider.role.value)
    return found


def _problems(where: str, entry: Any, types: Mapping[str, ConnectorType], *, role: str) -> list[str]:
    kind = types.get(entry.type)
    if kind is None:
        return [f"  {where}.type: unknown connector {entry.type!r}; known: {sorted(types)}"]
    if role not in kind.roles:
        return [f"  {where}.type: a {entry.type} connector cannot serve as {role}; it serves as {sorted(kind.roles)}"]
    found = [
        f'  {where}.credentials.{key}: missing; write {key} = "env:VARIABLE"'
        for key in kind.credentials
        if key not in entry.credentials
    ]
    choices = kind.credential_choices
    if choices and not any(all(key in entry.credentials for key in keys) for keys in choices):
        ways = " or ".join(" and ".join(keys) for keys in choices)
        found.append(f'  {where}.credentials: {entry.type} needs {ways}, each as "env:VARIABLE"')
    try:
        kind.options.model_validate(entry.options)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            key = ".".join(str(p) for p in err["loc"])
            found.append(f"  {where}.options.{key}: {err['msg']}")
    return found


def build(config: Config, types: Mapping[str, ConnectorType], transport: Any = None) -> dict[str, Connector]:
    """A connector for every channel that has a type (configuration already checked)."""
    return {
        name: _build(name, channel, types, transport)
        for name, channel in config.channels.items()
        if channel.type is not None and channel.base_url is not None
    }


def build_providers(config: Config, types: Mapping[str, ConnectorType], transport: Any = None) -> dict[str, Connector]:
    """A connector for every provider (configuration already checked)."""
    return {name: _build(name, provider, types, transport) for name, provider in config.providers.items()}


def _build(name: str, entry: Any, types: Mapping[str, ConnectorType], transport: Any) -> Connector:
    kind = types[entry.type]
    settings = ChannelSettings(
        name=name,
        base_url=entry.base_url,
        credentials=entry.credentials,
        options=kind.options.model_validate(entry.options),
        location_ids=entry.location_ids,
    )
    return kind.build(settings, transport)
