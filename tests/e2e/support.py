"""A hub driven through its command line, as the end-to-end tests use it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

import run

Call = Callable[..., tuple[int, str, str]]
HUB_SECTION = """
[hub]
database_url = "sqlite:///{db}"
log_format = "json"

[locations.berlin]
[locations.leipzig]
"""


def hub_cli(
    folder: Path,
    channels: str,
    *,
    env: Mapping[str, str],
    stock: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Call:
    """A hub on a fresh SQLite file in `folder` with the locations berlin and leipzig, the `channels`
    sections, the environment `env` (credentials) and the stock count `stock` (CSV rows) imported;
    returns `call(*args) -> (exit code, stdout, stderr)`."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("OMSHUB_CONFIG", "OMSHUB_DATABASE_URL", "OMSHUB_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    config = folder / "omshub.toml"
    config.write_text(HUB_SECTION.format(db=folder / "hub.db") + channels, encoding="utf-8")

    def call(*args: str) -> tuple[int, str, str]:
        code = run.main(["--config", str(config), *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert call("db", "upgrade")[0] == 0
    (folder / "stock.csv").write_text("sku,location,stocked\n" + stock, encoding="utf-8")
    code, _out, err = call("inventory", "import", str(folder / "stock.csv"))
    assert code == 0, err
    return call
