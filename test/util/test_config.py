"""Settings come from the environment, default to the embedded set-up, and fail fast when wrong."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from main.util.config import ConfigError, Settings
from main.util.logging import configure_logging
from main.util.timing import timed


def test_an_empty_environment_gives_the_embedded_defaults() -> None:
    settings = Settings.from_env({})
    assert (settings.graph_url, settings.amqp_url, settings.geocoder, settings.port) == (
        "sqlite:///var/graph.db",
        "memory://",
        "offline",
        8080,
    )
    assert settings.memcached_servers == () and settings.api_keys == ()


@pytest.mark.parametrize(("raw", "expected"), [("false", False), ("OFF", False), ("1", True), ("", True)])
def test_switches_read_the_usual_spellings(raw: str, expected: bool) -> None:
    assert Settings.from_env({"METRICS_ENABLED": raw}).metrics_enabled is expected


def test_lists_are_comma_separated() -> None:
    settings = Settings.from_env({"MEMCACHED_SERVERS": "m0:11211, m1:11211,", "API_KEYS": "a,b"})
    assert settings.memcached_servers == ("m0:11211", "m1:11211")
    assert settings.api_keys == ("a", "b")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "eighty"}, "PORT must be an integer"),
        ({"PORT": "0"}, "PORT must be at least 1"),
        ({"GEOCODER": "google"}, "GEOCODER must be"),
        ({"GEOCODER": "locationiq"}, "needs LOCATIONIQ_KEY"),
        ({"CACHE_TTL_SECONDS": "soon"}, "must be a number"),
        ({"METRICS_ENABLED": "maybe"}, "METRICS_ENABLED must be true or false"),
    ],
)
def test_bad_settings_fail_at_start(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_a_generated_api_key_is_kept_across_restarts(tmp_path: Path) -> None:
    first = Settings.from_env({"VAR_DIR": str(tmp_path)}).with_api_keys()
    second = Settings.from_env({"VAR_DIR": str(tmp_path)}).with_api_keys()
    assert first.api_keys == second.api_keys and len(first.api_keys[0]) >= 24
    assert (tmp_path / "api-key").stat().st_mode & 0o777 == 0o600


def test_given_api_keys_are_used_as_they_are(tmp_path: Path) -> None:
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "API_KEYS": "k1"}).with_api_keys()
    assert settings.api_keys == ("k1",) and not (tmp_path / "api-key").exists()


def test_timed_logs_the_duration_even_when_the_call_fails(caplog: pytest.LogCaptureFixture) -> None:
    @timed("risky call", level=logging.INFO)
    def risky() -> None:
        raise ValueError("boom")

    configure_logging("INFO")
    with caplog.at_level(logging.INFO, logger="main.timing"), pytest.raises(ValueError):
        risky()
    assert "risky call took" in caplog.text


def test_store_and_broker_urls_may_come_from_mounted_secret_files(tmp_path) -> None:
    graph, broker = tmp_path / "graph-url", tmp_path / "amqp-url"
    graph.write_text("arangodb://graph:secret@db1:8529/company_graph\n")
    broker.write_text("amqp://app:secret@rabbitmq:5672/%2F")
    settings = Settings.from_env({"GRAPH_URL_FILE": str(graph), "AMQP_URL_FILE": str(broker)})
    assert settings.graph_url == "arangodb://graph:secret@db1:8529/company_graph"
    assert settings.amqp_url == "amqp://app:secret@rabbitmq:5672/%2F"


def test_a_url_given_twice_or_in_a_missing_file_is_a_configuration_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not both"):
        Settings.from_env({"GRAPH_URL": "memory://", "GRAPH_URL_FILE": str(tmp_path / "x")})
    with pytest.raises(ConfigError, match="AMQP_URL_FILE: cannot read"):
        Settings.from_env({"AMQP_URL_FILE": str(tmp_path / "missing")})
