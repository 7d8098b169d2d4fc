"""`/metrics` in one process: what a request, a cache hit and an applied event add."""

from __future__ import annotations

from dataclasses import replace

from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from main.bootstrap import Container, bootstrap
from main.controller.http.app import create_app
from main.util.config import Settings
from test.conftest import API_KEY
from test.helpers import company_event

COMPANY_ROUTE = "/api/v1/companies/<string:company_id>"


def sample(client: FlaskClient, name: str, **labels: str) -> float:
    """The value of one series in `/metrics` (0 when it does not exist yet)."""
    response = client.get("/metrics")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


def test_requests_are_counted_by_route_template_and_status(client: FlaskClient, container: Container) -> None:
    event = company_event(name="Counted Ltd")
    client.post("/api/v1/events", json=event, headers={"X-API-Key": API_KEY})
    assert container.bus.drain()
    url = f"/api/v1/companies/{event['data']['id']}"
    ok = {"method": "GET", "route": COMPANY_ROUTE, "status": "200"}
    before = sample(client, "http_requests_total", **ok)
    timed = sample(client, "http_request_duration_seconds_count", method="GET", route=COMPANY_ROUTE)
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert sample(client, "http_requests_total", **ok) == before + 3
    assert (
        sample(client, "http_request_duration_seconds_count", method="GET", route=COMPANY_ROUTE) == timed + 3
    )
    unmatched = sample(client, "http_requests_total", route="unmatched", status="404")
    client.get("/no/such/path")
    assert sample(client, "http_requests_total", route="unmatched", status="404") == unmatched + 1


def test_cache_tiers_and_applied_events_are_counted(client: FlaskClient, container: Container) -> None:
    applied = sample(client, "events_total", routing_key="company-created", outcome="applied")
    event = company_event(name="Cached Ltd")
    client.post("/api/v1/events", json=event, headers={"X-API-Key": API_KEY})
    assert container.bus.drain()
    assert sample(client, "events_total", routing_key="company-created", outcome="applied") == applied + 1
    url = f"/api/v1/companies/{event['data']['id']}"
    client.get(url)
    hits = sample(client, "cache_requests_total", tier="rendered", result="hit")
    client.get(url)
    assert sample(client, "cache_requests_total", tier="rendered", result="hit") == hits + 1


def test_with_metrics_off_requests_are_not_counted_and_metrics_is_a_json_404(
    settings: Settings, geocoder, client: FlaskClient
) -> None:
    before = sample(client, "http_requests_total", method="GET", route="/health", status="200")
    off = bootstrap(replace(settings, metrics_enabled=False), geocoder=geocoder)
    try:
        quiet = create_app(off).test_client()
        assert quiet.get("/health").status_code == 200
        answer = quiet.get("/metrics")
    finally:
        off.close()
    assert answer.status_code == 404 and "METRICS_ENABLED" in answer.get_json()["message"]
    assert sample(client, "http_requests_total", method="GET", route="/health", status="200") == before
