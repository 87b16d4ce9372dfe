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
    from connectors.medusa.connector import MEDUSA
    from connectors.shopify.connector import SHOPIFY
    from connectors.woocommerce.connector import WOOCOMMERCE

    types = {kind.name: kind for kind in (SHOPIFY, WOOCOMMERCE, MEDUSA)}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        if not isinstance(loaded, ConnectorType):
            raise TypeError(f"entry point {entry.name} = {entry.value} is not a ConnectorType")
        types[entry.name] = loaded
    return types


def problems(config: Config, types: Mapping[str, ConnectorType]) -> list[str]:
    """What is wrong with each channel's connector settings, as `  channels.NAME.KEY: message` lines."""
    found = []
    for name, channel in config.channels.items():
        if channel.type is None:
            continue
        kind = types.get(channel.type)
        if kind is None:
            found.append(f"  channels.{name}.type: unknown connector {channel.type!r}; known: {sorted(types)}")
            continue
        for key in kind.credentials:
            if key not in channel.credentials:
                found.append(f'  channels.{name}.credentials.{key}: missing; write {key} = "env:VARIABLE"')
        choices = kind.credential_choices
        if choices and not any(all(key in channel.credentials for key in keys) for keys in choices):
            ways = " or ".join(" and ".join(keys) for keys in choices)
            found.append(f'  channels.{name}.credentials: {channel.type} needs {ways}, each as "env:VARIABLE"')
        try:
            kind.options.model_validate(channel.options)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                key = ".".join(str(p) for p in err["loc"])
                found.append(f"  channels.{name}.options.{key}: {err['msg']}")
    return found


def build(config: Config, types: Mapping[str, ConnectorType], transport: Any = None) -> dict[str, Connector]:
    """A connector for every channel that has a type (configuration already checked)."""
    built = {}
    for name, channel in config.channels.items():
        if channel.type is None or channel.base_url is None:
            continue
        kind = types[channel.type]
        settings = ChannelSettings(
            name=name,
            base_url=channel.base_url,
            credentials=channel.credentials,
            options=kind.options.model_validate(channel.options),
            location_ids=channel.location_ids,
        )
        built[name] = kind.build(settings, transport)
    return built
