"""`/ready` names each dependency the process uses, real servers stopped and started again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from main.bootstrap import bootstrap
from main.controller.http.app import create_app
from main.resources.geo.offline_geocoder import OfflineGeocoder
from main.util.config import Settings
from test.conftest import API_KEY
from test.helpers import wait_until
from test.servers import MemcachedServer, RabbitNode


@pytest.fixture
def client(
    tmp_path: Path, amqp_url: str, memcached: MemcachedServer, geocoder: OfflineGeocoder
) -> Iterator[FlaskClient]:
    settings = Settings.from_env(
        {
            "GRAPH_URL": f"sqlite:///{tmp_path}/graph.db",
            "VAR_DIR": str(tmp_path / "var"),
            "API_KEYS": API_KEY,
            "AMQP_URL": amqp_url,
            "MEMCACHED_SERVERS": memcached.address,
        }
    )
    container = bootstrap(settings, geocoder=geocoder, consume=False)
    yield create_app(container).test_client()
    container.close()


def checks(client: FlaskClient) -> tuple[int, dict[str, str]]:
    response = client.get("/ready")
    return response.status_code, response.json["checks"]


def test_ready_checks_the_graph_the_broker_and_memcached(client: FlaskClient) -> None:
    assert checks(client) == (200, {"graph": "ok", "broker": "ok", "memcached": "ok"})


def test_ready_is_a_503_naming_memcached_while_it_is_down(
    client: FlaskClient, memcached: MemcachedServer
) -> None:
    memcached.stop()
    status, found = checks(client)
    assert status == 503
    assert found["graph"] == found["broker"] == "ok" and memcached.address in found["memcached"]
    assert up(client) == {"graph": 1, "broker": 1, "memcached": 0}
    memcached.start()
    assert wait_until(lambda: checks(client)[0] == 200, timeout=10)
    assert up(client) == {"graph": 1, "broker": 1, "memcached": 1}


def up(client: FlaskClient) -> dict[str, float]:
    """`dependency_up` as Prometheus scrapes it: what alerting rules read."""
    text = client.get("/metrics").get_data(as_text=True)
    return {
        sample.labels["dependency"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "dependency_up"
    }


def test_ready_is_a_503_naming_the_broker_while_it_is_down(
    client: FlaskClient, rabbit_node: RabbitNode
) -> None:
    rabbit_node.ctl("stop_app")
    try:
        status, found = checks(client)
        assert status == 503
        assert found["graph"] == found["memcached"] == "ok" and "broker" in found["broker"]
    finally:
        rabbit_node.ctl("start_app")
    assert wait_until(lambda: checks(client)[0] == 200, timeout=30)


def test_the_in_process_defaults_need_nothing_but_the_graph(
    tmp_path: Path, geocoder: OfflineGeocoder
) -> None:
    embedded = bootstrap(
        Settings.from_env({"GRAPH_URL": f"sqlite:///{tmp_path}/other.db", "VAR_DIR": str(tmp_path / "v")}),
        geocoder=geocoder,
        consume=False,
    )
    try:
        assert embedded.readiness() == {"graph": "ok"}
    finally:
        embedded.close()
