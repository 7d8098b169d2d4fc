"""Every store, one suite: the fixtures build each store the composition root builds from its
`GRAPH_URL`, and each test of this folder runs once per store. ArangoDB's leg runs where
`ARANGO_URL` names a server (no ArangoDB package exists for this machine)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from main.bootstrap import Container, bootstrap
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
    return url


@pytest.fixture(params=STORES)
def graph_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return store_url(request.param, tmp_path)


@pytest.fixture
def container(settings: Settings, geocoder: OfflineGeocoder, graph_url: str) -> Iterator[Container]:
    """The composition root's container over each store in turn."""
    built = bootstrap(replace(settings, graph_url=graph_url), geocoder=geocoder)
    yield built
    built.close()
