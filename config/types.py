"""Value types for the config file: durations ("90s", "5m", "2h", "1d") and secrets ("env:NAME")."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr

_DURATION = re.compile(r"^\s*(\d+)\s*(ms|s|m|h|d)\s*$")
_UNITS = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: Any) -> Any:
    if isinstance(value, str):
        match = _DURATION.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a duration; write e.g. '90s', '5m', '2h' or '1d'")
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if isinstance(value, bool):
        raise ValueError("a duration must be e.g. '5m', not true/false")
    if isinstance(value, int):
        return timedelta(seconds=value)
    return value


def resolve_secret(value: Any) -> Any:
    """`env:NAME` → the value of environment variable NAME, as a SecretStr."""
    if isinstance(value, SecretStr):
        return value
    if not isinstance(value, str) or not value.startswith("env:"):
        raise ValueError("write secrets as environment references such as 'env:SHOP_EU_TOKEN', not in the file")
    name = value.removeprefix("env:").strip()
    secret = os.environ.get(name)
    if not secret:
        raise ValueError(f"environment variable {name} is not set (or empty); export it before starting omshub")
    return SecretStr(secret)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
EnvSecret = Annotated[SecretStr, BeforeValidator(resolve_secret)]
