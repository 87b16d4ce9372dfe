"""The [api] configuration section and `omshub serve`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import run
from config import settings
from config.settings import ConfigError

TOKEN = "serve-test-token-0123456789"
SECTION = """
[hub]
database_url = "sqlite:///{db}"
log_format = "json"

[locations.berlin]

[channels.webshop]
locations = ["berlin"]

{api}
"""
API = """
[api]
bind = "127.0.0.1:{port}"
tokens = {{ ops = {{ token = "env:OMSHUB_TEST_API_TOKEN", scope = "operator" }} }}
"""


def write(folder: Path, api: str) -> Path:
    config = folder / "omshub.toml"
    config.write_text(SECTION.format(db=folder / "hub.db", api=api), encoding="utf-8")
    return config


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    monkeypatch.setenv("OMSHUB_TEST_API_TOKEN", TOKEN)
    for name in ("OMSHUB_CONFIG", "OMSHUB_DATABASE_URL", "OMSHUB_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)


def test_the_api_section_gives_the_address_the_limit_and_the_tokens(tmp_path):
    config = settings.load(write(tmp_path, API.format(port=8181)))
    assert config.api.address == ("127.0.0.1", 8181)
    assert config.api.max_body_bytes == 4 * 1024 * 1024
    assert config.api.tokens["ops"].scope == "operator"
    assert config.api.tokens["ops"].token.get_secret_value() == TOKEN
    assert TOKEN not in repr(config.api)


def test_without_an_api_section_the_api_listens_on_loopback_8080_with_no_tokens(tmp_path):
    config = settings.load(write(tmp_path, ""))
    assert config.api.address == ("127.0.0.1", 8080) and config.api.tokens == {}


def test_a_bad_api_section_stops_start_up_naming_every_problem(tmp_path, monkeypatch):
    monkeypatch.setenv("OMSHUB_TEST_SHORT_TOKEN", "short")
    bad = """
[api]
bind = "localhost"
max_body_bytes = 10
colour = "blue"
tokens.a = { token = "written-in-the-file-0123456789", scope = "read" }
tokens.b = { token = "env:OMSHUB_TEST_UNSET_TOKEN", scope = "read" }
tokens.c = { token = "env:OMSHUB_TEST_SHORT_TOKEN", scope = "read" }
tokens.d = { token = "env:OMSHUB_TEST_API_TOKEN", scope = "admin" }
"""
    with pytest.raises(ConfigError) as caught:
        settings.load(write(tmp_path, bad))
    message = str(caught.value)
    assert "api.bind: 'localhost' is not HOST:PORT" in message
    assert "api.max_body_bytes:" in message
    assert "api.colour:" in message
    assert "api.tokens.a.token: write secrets as environment references" in message
    assert "api.tokens.b.token: environment variable OMSHUB_TEST_UNSET_TOKEN is not set" in message
    assert "api.tokens.c.token: the token is shorter than 16 characters" in message
    assert "api.tokens.d.scope:" in message
    assert "written-in-the-file" not in message and TOKEN not in message


def test_two_names_with_one_token_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("OMSHUB_TEST_API_TOKEN_2", TOKEN)
    twice = """
[api.tokens]
ops = { token = "env:OMSHUB_TEST_API_TOKEN", scope = "operator" }
other = { token = "env:OMSHUB_TEST_API_TOKEN_2", scope = "read" }
"""
    with pytest.raises(ConfigError, match=r"api\.tokens\.ops and api\.tokens\.other have the same token"):
        settings.load(write(tmp_path, twice))


def test_serve_is_a_command_with_a_bind_option(capsys):
    assert run.main(["serve", "--help"]) == 0
    assert "--bind" in capsys.readouterr().out


def test_serve_refuses_to_start_without_tokens(tmp_path, capsys):
    config = write(tmp_path, "")
    assert run.main(["--config", str(config), "db", "upgrade"]) == 0
    assert run.main(["--config", str(config), "serve"]) == 1
    assert "no API tokens are configured" in capsys.readouterr().err


def test_serve_refuses_a_bind_that_is_not_host_and_port(tmp_path, capsys):
    config = write(tmp_path, API.format(port=8080))
    assert run.main(["--config", str(config), "db", "upgrade"]) == 0
    assert run.main(["--config", str(config), "serve", "--bind", "nowhere"]) != 0
    assert "not HOST:PORT" in capsys.readouterr().err


@pytest.mark.slow
def test_serve_answers_on_its_address_until_it_is_stopped(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write(tmp_path, API.format(port=port))
    assert run.main(["--config", str(config), "db", "upgrade"]) == 0
    command = [sys.executable, str(Path(run.__file__)), "--config", str(config), "serve"]
    server = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"{base}/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "omshub serve did not start"
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        assert httpx.get(f"{base}/orders").status_code == 401
        listed = httpx.get(f"{base}/orders", headers={"Authorization": f"Bearer {TOKEN}"})
        assert listed.status_code == 200 and listed.json()["orders"] == []
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=20)[0].decode()
    assert server.returncode == 0, output
    assert TOKEN not in output
