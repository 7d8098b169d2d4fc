"""The service's tests run on the in-memory store, built by the composition root as
`GRAPH_URL=memory://` builds it: fast, and held to SQLite's answers by test/contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from main.bootstrap import Container, bootstrap
from main.service.sync import SyncService
from main.util.config import Settings
from test.service.fakes import FakeGeocoder


@pytest.fixture
def geocoder() -> FakeGeocoder:
    return FakeGeocoder()


@pytest.fixture
def new_container(settings: Settings, geocoder: FakeGeocoder) -> Iterator[Callable[[], Container]]:
    """Containers over stores of their own, each closed after the test."""
    built: list[Container] = []

    def new() -> Container:
        built.append(bootstrap(replace(settings, graph_url="memory://"), geocoder=geocoder, consume=False))
        return built[-1]

    yield new
    for container in built:
        container.close()


@pytest.fixture
def container(new_container: Callable[[], Container]) -> Container:
    return new_container()


@pytest.fixture
def changed(sync: SyncService) -> list[str]:
    """The company keys each applied batch changed, as the sync use case tells its listeners."""
    seen: list[str] = []
    sync.subscribe(seen.extend)
    return seen
