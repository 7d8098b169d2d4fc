"""Fixtures shared by every test: each test owns its SQLite file, its settings and its app."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from main.bootstrap import Container, bootstrap
from main.controller.http.app import create_app
from main.resources.geo.gazetteer import Gazetteer
from main.resources.geo.offline_geocoder import OfflineGeocoder
from main.service.ports import GraphStore
from main.service.sync import SyncService
from main.util.config import Settings
from test.servers import MemcachedServer, RabbitNode

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
def container(settings: Settings, geocoder: OfflineGeocoder) -> Iterator[Container]:
    built = bootstrap(settings, geocoder=geocoder)
    yield built
    built.close()


@pytest.fixture
def store(container: Container) -> GraphStore:
    """The container's store: SQLite here, the memory store in test/service, each store in
    turn in test/contract."""
    return container.store


@pytest.fixture
def sync(container: Container) -> SyncService:
    return container.sync


@pytest.fixture
def app(container: Container) -> Flask:
    return create_app(container)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def new_id() -> str:
    return str(uuid.uuid4()).upper()


@pytest.fixture(scope="session")
def rabbit_node() -> Iterator[RabbitNode]:
    """One broker for the run; each test gets a vhost of its own (`amqp_url`).

    Its folder is outside pytest's private temp tree: the broker runs as the rabbitmq user.
    """
    if not RabbitNode.available():
        pytest.fail("rabbitmq-server is not installed: run `make test`, which installs it")
    base = Path(tempfile.mkdtemp(prefix="company-graph-rabbitmq-"))
    node = RabbitNode(base)
    node.start()
    yield node
    node.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def amqp_url(rabbit_node: RabbitNode) -> str:
    return rabbit_node.url(rabbit_node.new_vhost())


@pytest.fixture
def memcached() -> Iterator[MemcachedServer]:
    """A memcached of the test's own (it starts in milliseconds)."""
    if not MemcachedServer.available():
        pytest.fail("memcached is not installed: run `make test`, which installs it")
    server = MemcachedServer()
    server.start()
    yield server
    server.stop()
