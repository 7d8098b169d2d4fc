"""Fixtures shared by every test: each test owns its SQLite file, its settings and its app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from main.bootstrap import Container, bootstrap
from main.controller.http.app import create_app
from main.resources.gazetteer import Gazetteer
from main.resources.offline_geocoder import OfflineGeocoder
from main.resources.sqlite_store import SqliteGraphStore
from main.util.config import Settings

API_KEY = "test-key-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    """Built once per run: its indexes take two seconds and never change."""
    built = Gazetteer()
    built.warm()
    return built


@pytest.fixture
def geocoder(gazetteer: Gazetteer) -> OfflineGeocoder:
    return OfflineGeocoder(gazetteer)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {
            "GRAPH_URL": f"sqlite:///{tmp_path}/graph.db",
            "VAR_DIR": str(tmp_path / "var"),
            "API_KEYS": API_KEY,
            "LOG_LEVEL": "DEBUG",
        }
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[SqliteGraphStore]:
    graph = SqliteGraphStore(settings.graph_url)
    yield graph
    graph.close()


@pytest.fixture
def container(settings: Settings, geocoder: OfflineGeocoder) -> Iterator[Container]:
    built = bootstrap(settings, geocoder=geocoder)
    yield built
    built.close()


@pytest.fixture
def app(container: Container) -> Flask:
    return create_app(container)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def new_id() -> str:
    return str(uuid.uuid4()).upper()
