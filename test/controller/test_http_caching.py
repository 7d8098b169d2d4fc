"""The hot lookup is encoded once per change and answers 304 to a matching ETag; reads say how
long they may be cached (the one freshness bound), and nothing else does."""

from __future__ import annotations

from dataclasses import replace

from flask.testing import FlaskClient

from main.bootstrap import Container, bootstrap
from main.controller.http.app import create_app
from test.conftest import API_KEY
from test.controller.test_http_api import create, publish
from test.helpers import company_event


def test_a_lookup_carries_an_etag_and_a_matching_one_is_a_304(
    client: FlaskClient, container: Container
) -> None:
    company_id = create(client, container, name="Etag Ltd")
    first = client.get(f"/api/v1/companies/{company_id}")
    assert first.status_code == 200 and first.json["name"] == "Etag Ltd"
    assert first.headers["Cache-Control"] == "public, max-age=1"
    again = client.get(f"/api/v1/companies/{company_id}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    weak = client.get(
        f"/api/v1/companies/{company_id}", headers={"If-None-Match": "W/" + first.headers["ETag"]}
    )
    assert weak.status_code == 304, "nginx's gzip weakens ETags"


def test_a_change_gives_a_new_etag_and_the_new_body(client: FlaskClient, container: Container) -> None:
    company_id = create(client, container, name="Before Ltd")
    etag = client.get(f"/api/v1/companies/{company_id}").headers["ETag"]
    publish(client, company_event("company-updated", company_id, name="After Ltd"))
    assert container.bus.drain()
    changed = client.get(f"/api/v1/companies/{company_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["name"] == "After Ltd"
    assert changed.headers["ETag"] != etag


def test_a_cached_lookup_is_not_encoded_again(client: FlaskClient, container: Container) -> None:
    company_id = create(client, container, name="Once Ltd")
    encoded: list[str] = []
    render = container.lookup.render
    container.lookup.render = lambda doc: encoded.append(doc["id"]) or render(doc)
    bodies = {client.get(f"/api/v1/companies/{company_id}").data for _ in range(5)}
    assert len(bodies) == 1 and encoded == [company_id]


def test_only_anonymous_successful_reads_are_cacheable(client: FlaskClient, container: Container) -> None:
    create(client, container, name="Listed Ltd")
    assert client.get("/api/v1/companies").headers["Cache-Control"] == "public, max-age=1"
    assert client.get("/api/v1/countries").headers["Cache-Control"] == "public, max-age=1"
    assert client.get("/api/v1/countries").headers["X-Accel-Expires"] == "0", "nginx: whole seconds, one less"
    assert "Cache-Control" not in client.get("/api/v1/companies/NOPE").headers
    assert "Cache-Control" not in client.get("/health").headers
    assert "Cache-Control" not in client.get("/api/v1/companies", headers={"X-API-Key": API_KEY}).headers
    posted = client.post("/api/v1/events", json=company_event(), headers={"X-API-Key": API_KEY})
    assert "Cache-Control" not in posted.headers


def test_a_ttl_of_zero_means_no_tier_may_store_a_read(container: Container) -> None:
    always_fresh = bootstrap(replace(container.settings, cache_ttl_seconds=0.0), consume=False)
    try:
        response = create_app(always_fresh).test_client().get("/api/v1/companies")
        assert response.headers["Cache-Control"] == "no-store"
    finally:
        always_fresh.close()
