"""Configuration models and loading.

One TOML file (default `omshub.toml`, or `--config PATH`, or `OMSHUB_CONFIG`). The database URL
can be overridden with `OMSHUB_DATABASE_URL`. A bad file stops start-up with every problem listed,
each naming the file, the key and what to write instead.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from config.channels import ChannelConfig, JobConfig, Section
from config.providers import ProviderConfig, Role, RoutingConfig
from config.types import Duration, EnvSecret
from core.channels import ChannelSpec, LocationSpec
from core.errors import FatalError
from core.kits import KitSpec

DEFAULT_CONFIG = "omshub.toml"


class ConfigError(FatalError):
    """The configuration cannot be used; the message lists every problem."""


class HubSettings(BaseSettings):
    """`[hub]`; each key can also come from the environment as OMSHUB_<KEY>."""

    model_config = SettingsConfigDict(env_prefix="OMSHUB_", extra="forbid")

    database_url: str = "sqlite:///omshub.db"
    log_format: Literal["auto", "console", "json"] = "auto"
    timezone: str = Field(default="UTC", description="for cron schedules and displayed times; storage is UTC")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Europe/Berlin'") from None
        return value

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


class LocationConfig(Section):
    name: str | None = None


class BundleConfig(Section):
    components: dict[str, Annotated[int, Field(ge=1)]] = Field(
        min_length=1, description="component SKU → units in one bundle, e.g. { MUG-01 = 1, TEA-02 = 2 }"
    )
    pooled: bool = Field(
        default=False, description="components may come from different locations (default: one kit, one place)"
    )


class DispatchJob(JobConfig):
    batch: int = Field(default=100, ge=1, description="outbox rows claimed per round")
    max_attempts: int = Field(default=8, ge=1, description="tries of one delivery before it is a dead letter")
    retry_delay: Duration = Field(
        default=timedelta(seconds=30), description="wait after the first failed try; doubled after each next one"
    )


class CheckTrackingJob(JobConfig):
    """Reads shipments back from their channels until every tracking number shows there."""

    checks: int = Field(default=5, ge=1, description="read-backs that do not show a tracking number before it fails")
    interval: Duration = Field(default=timedelta(minutes=10), description="time between two read-backs of a shipment")


class HubJobs(Section):
    dispatch: DispatchJob = Field(default_factory=DispatchJob)
    check_tracking: CheckTrackingJob = Field(default_factory=CheckTrackingJob, alias="check-tracking")


MIN_TOKEN_LENGTH = 16


def parse_bind(value: str) -> tuple[str, int]:
    """`HOST:PORT` (an IPv6 host in brackets: `[::1]:8080`) → (host, port)."""
    host, sep, port = value.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not (port.isascii() and port.isdigit()) or not 1 <= int(port) <= 65535:
        raise ValueError(f"{value!r} is not HOST:PORT; write e.g. '127.0.0.1:8080'")
    return host, int(port)


class ApiToken(Section):
    """A bearer token of the HTTP API: `read` may call the GET endpoints and /metrics, `operator` everything."""

    token: EnvSecret = Field(description="an environment reference such as 'env:API_TOKEN_OPS'")
    scope: Literal["read", "operator"]

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"the token is shorter than {MIN_TOKEN_LENGTH} characters; use a long random value"
                " (e.g. from `openssl rand -hex 32`)"
            )
        return value


class ApiSettings(Section):
    """`[api]`: where `omshub serve` listens, how large a request body may be, and who may call it."""

    bind: str = Field(default="127.0.0.1:8080", description="HOST:PORT to listen on")
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024, description="larger request bodies are refused")
    tokens: dict[str, ApiToken] = Field(default_factory=dict, description="bearer tokens by name")

    @field_validator("bind")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        parse_bind(value)
        return value

    @model_validator(mode="after")
    def _distinct_tokens(self) -> ApiSettings:
        seen: dict[str, str] = {}
        for name, entry in self.tokens.items():
            other = seen.setdefault(entry.token.get_secret_value(), name)
            if other != name:
                raise ValueError(f"api.tokens.{other} and api.tokens.{name} have the same token; give each its own")
        return self

    @property
    def address(self) -> tuple[str, int]:
        return parse_bind(self.bind)


class Config(Section):
    hub: HubSettings = Field(default_factory=HubSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    locations: dict[str, LocationConfig] = Field(default_factory=dict)
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    jobs: HubJobs = Field(default_factory=HubJobs)
    bundles: dict[str, BundleConfig] = Field(default_factory=dict, description="bundle SKU → its components")
    providers: dict[str, ProviderConfig] = Field(default_factory=dict)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)

    @model_validator(mode="after")
    def _routes_to_known_providers(self) -> Config:
        fulfillers = {name for name, p in self.providers.items() if p.role is Role.fulfillment}
        named = [("routing.fulfillment." + loc, name) for loc, name in self.routing.fulfillment.items()]
        named += [(f"routing.rules.{i}.provider", rule.provider) for i, rule in enumerate(self.routing.rules)]
        for key, name in named:
            if name not in fulfillers:
                raise ValueError(f"{key} = {name!r} is not a fulfillment provider; known: {sorted(fulfillers)}")
        processors = {name for name, p in self.providers.items() if p.role is Role.payment}
        for name, channel in self.channels.items():
            if channel.payments is not None and channel.payments.processor not in processors:
                processor = channel.payments.processor
                raise ValueError(
                    f"channels.{name}.payments.processor = {processor!r} is not a payment provider;"
                    f" known: {sorted(processors)}"
                )
        for loc in [*self.routing.fulfillment, *(r.location for r in self.routing.rules if r.location)]:
            if loc not in self.locations:
                raise ValueError(f"routing names location {loc!r}, which is not under [locations]")
        return self

    @model_validator(mode="after")
    def _flat_bundles(self) -> Config:
        for sku, bundle in self.bundles.items():
            nested = sorted(part for part in bundle.components if part == sku or part in self.bundles)
            if nested:
                raise ValueError(
                    f"bundles.{sku}.components names {nested}, which are bundles themselves;"
                    " list their components instead (bundles do not nest)"
                )
        return self

    def kits(self) -> dict[str, KitSpec]:
        return {sku: KitSpec(tuple(sorted(b.components.items())), b.pooled) for sku, b in self.bundles.items()}

    def location_specs(self) -> list[LocationSpec]:
        return [LocationSpec(code, loc.name or code) for code, loc in self.locations.items()]

    def channel_specs(self) -> list[ChannelSpec]:
        return [
            ChannelSpec(
                name, tuple(ch.locations), ch.allocation, ch.shortage_policy, ch.allow_split, tuple(ch.non_stock_skus)
            )
            for name, ch in self.channels.items()
        ]


def config_path(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get("OMSHUB_CONFIG") or DEFAULT_CONFIG)


def load(path: Path, check: Callable[[Config], list[str]] | None = None) -> Config:
    """Read and validate the config file; a missing default file means built-in defaults.

    Every problem is reported at once: shape and values, references between sections, the
    environment overrides of [hub], and what `check` finds (the connectors' own settings).
    """
    data = _read(path)
    problems: list[str] = []
    config = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems += _describe(exc)
    problems += _unknown_locations(data)
    hub, hub_data = None, data.get("hub", {})
    if isinstance(hub_data, dict):
        try:
            hub = HubSettings(**hub_data)
        except ValidationError as exc:
            problems += [p for p in _describe(exc, prefix="hub") if p not in problems]
    if config is not None and check is not None:
        problems += check(config)
    if problems or config is None or hub is None:
        raise ConfigError(f"{path}: {len(problems)} problem(s) in the configuration\n" + "\n".join(problems))
    return config.model_copy(update={"hub": hub})


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        if path.name != DEFAULT_CONFIG or path.parent != Path("."):
            raise ConfigError(f"{path}: config file not found; pass an existing file with --config")
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _unknown_locations(data: dict[str, Any]) -> list[str]:
    locations, channels = data.get("locations"), data.get("channels")
    if not isinstance(channels, dict):
        return []
    known = sorted(locations) if isinstance(locations, dict) else []
    problems = []
    for name, channel in channels.items():
        refs = channel.get("locations") if isinstance(channel, dict) else None
        for i, code in enumerate(refs if isinstance(refs, list) else []):
            if code not in known:
                fix = f"add [locations.{code}] or use one of {known}" if known else f"add [locations.{code}]"
                problems.append(f"  channels.{name}.locations.{i}: unknown location {code!r} ({fix})")
    return problems


_FIXES = {
    "extra_forbidden": "remove it or check its spelling",
    "missing": "add it",
    "enum": "use one of the listed values",
    "literal_error": "use one of the listed values",
}


def _describe(exc: ValidationError, *, prefix: str = "") -> list[str]:
    lines = []
    for err in exc.errors(include_url=False):
        key = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "") or "(top level)"
        fix = _FIXES.get(err["type"])
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"  {key}: {message}" + (f" ({fix})" if fix else ""))
    return lines
