"""Every store, one suite: the fixtures build each store the composition root builds from its
`GRAPH_URL`, and each test of this folder runs once per store. ArangoDB's leg runs where
`ARANGO_URL` names a server (no ArangoDB package exists for this machine)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from arango import ArangoClient

from main.bootstrap import Container, bootstrap
from main.resources.arango.address import parse_address
from main.resources.geo.offline_geocoder import OfflineGeocoder
from main.util.config import Settings

STORES = ("memory", "sqlite", "arangodb")


def store_url(name: str, folder: Path) -> str:
    if name == "memory":
        return "memory://"
    if name == "sqlite":
        return f"sqlite:///{folder}/graph.db"
    url = os.environ.get("ARANGO_URL")
    if not url:
        pytest.skip("ArangoDB's leg: set ARANGO_URL to a server to run it (no ArangoDB package here)")
    # a database of its own for each test, dropped after it
    base, _, query = url.partition("?")
    return f"{base.rstrip('/')}_{uuid.uuid4().hex[:12]}" + (f"?{query}" if query else "")


@pytest.fixture(params=STORES)
def graph_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url = store_url(request.param, tmp_path)
    yield url
    if request.param == "arangodb":
        drop_database(url)


def drop_database(url: str) -> None:
    address = parse_address(url)
    client = ArangoClient(hosts=list(address.hosts))
    client.db("_system", username=address.username, password=address.password).delete_database(
        address.database, ignore_missing=True
    )
    client.close()


@pytest.fixture
def container(settings: Settings, geocoder: OfflineGeocoder, graph_url: str) -> Iterator[Container]:
    """The composition root's container over each store in turn."""
    built = bootstrap(replace(settings, graph_url=graph_url), geocoder=geocoder)
    yield built
    built.close()
