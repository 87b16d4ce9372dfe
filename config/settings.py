"""Configuration models and loading.

One TOML file (default `omshub.toml`, or `--config PATH`, or `OMSHUB_CONFIG`). The database URL
can be overridden with `OMSHUB_DATABASE_URL`. A bad file stops start-up with every problem listed,
each naming the file, the key and what to write instead.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from core.allocation import ShortagePolicy, Strategy
from core.channels import ChannelSpec, LocationSpec
from core.errors import FatalError

DEFAULT_CONFIG = "omshub.toml"


class ConfigError(FatalError):
    """The configuration cannot be used; the message lists every problem."""


class HubSettings(BaseSettings):
    """`[hub]`; each key can also come from the environment as OMSHUB_<KEY>."""

    model_config = SettingsConfigDict(env_prefix="OMSHUB_", extra="forbid")

    database_url: str = "sqlite:///omshub.db"
    log_format: Literal["console", "json"] = "console"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (env_settings, init_settings)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocationConfig(_Section):
    name: str | None = None


class ChannelConfig(_Section):
    type: str | None = Field(default=None, description="connector type, e.g. 'shopify'")
    locations: list[str] = Field(min_length=1, description="stock location codes, highest priority first")
    allocation: Strategy = Strategy.priority
    shortage_policy: ShortagePolicy = ShortagePolicy.hold
    allow_split: bool = True


class Config(_Section):
    hub: HubSettings = Field(default_factory=HubSettings)
    locations: dict[str, LocationConfig] = Field(default_factory=dict)
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _channel_locations_exist(self) -> Config:
        problems = [
            f"channels.{name}.locations: unknown location {code!r}; add [locations.{code}] or use one of "
            f"{sorted(self.locations) or 'the configured locations'}"
            for name, ch in self.channels.items()
            for code in ch.locations
            if code not in self.locations
        ]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def location_specs(self) -> list[LocationSpec]:
        return [LocationSpec(code, loc.name or code) for code, loc in self.locations.items()]

    def channel_specs(self) -> list[ChannelSpec]:
        return [
            ChannelSpec(name, tuple(ch.locations), ch.allocation, ch.shortage_policy, ch.allow_split)
            for name, ch in self.channels.items()
        ]


def config_path(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get("OMSHUB_CONFIG") or DEFAULT_CONFIG)


def load(path: Path) -> Config:
    """Read and validate the config file; a missing default file means built-in defaults."""
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    elif path.name != DEFAULT_CONFIG or path.parent != Path("."):
        raise ConfigError(f"{path}: config file not found; pass an existing file with --config")
    try:
        hub = HubSettings(**data.pop("hub", {}))
        return Config(hub=hub, **data)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None


_FIXES = {
    "extra_forbidden": "remove it or check its spelling",
    "missing": "add it",
    "enum": "use one of the listed values",
    "literal_error": "use one of the listed values",
}


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: {exc.error_count()} problem(s) in the configuration"]
    for err in exc.errors(include_url=False):
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        fix = _FIXES.get(err["type"])
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"  {key}: {message}" + (f" ({fix})" if fix else ""))
    return "\n".join(lines)
