"""The HTTP API as a client sees it: lookups, search, places, graph, and publishing events."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from main.bootstrap import Container, bootstrap
from main.schema.loading import load_event
from test.conftest import API_KEY, new_id
from test.helpers import company_event, file_unreadable, wait_until

HEADERS = {"X-API-Key": API_KEY}


def publish(client: FlaskClient, body: object) -> dict:
    response = client.post("/api/v1/events", json=body, headers=HEADERS)
    assert response.status_code == 202, response.json
    return response.json


def create(client: FlaskClient, container: Container, **data: object) -> str:
    company_id = new_id()
    publish(client, company_event(company_id=company_id, **data))
    assert container.bus.drain()
    return company_id


def test_a_seed_format_event_is_visible_with_its_places_linked(client: FlaskClient) -> None:
    company_id = new_id().lower()
    body = {
        "eventType": "company-created",
        "data": {
            "id": company_id,
            "name": "Acme Ltd",
            "industry": "Software",
            "location": {"city": "Tel Aviv", "state": None, "country": "Israel"},
        },
    }
    accepted = publish(client, body)
    assert accepted["status"] == "accepted" and accepted["eventId"]
    company = wait_until(lambda: client.get(f"/api/v1/companies/{company_id}").json.get("id"), timeout=1.0)
    assert company == company_id.upper()
    graph = client.get(f"/api/v1/companies/{company_id}/graph").json
    targets = {edge["to"] for edge in graph["edges"]}
    assert {"Country/IL", "City/IL-tel-aviv", "Industry/software"} <= targets
    assert {n["id"] for n in graph["nodes"]} >= targets


def test_publishing_answers_with_the_event_id_and_where_to_look(client: FlaskClient) -> None:
    body = company_event(company_id="abc-1", event_id="my-event-1")
    response = client.post("/api/v1/events", json=body, headers=HEADERS)
    assert response.json == {"eventId": "my-event-1", "status": "accepted"}
    assert response.headers["Location"] == "/api/v1/companies/ABC-1"


def test_search_pages_carry_totals_and_links(client: FlaskClient, container: Container) -> None:
    for number in range(5):
        create(client, container, name=f"Paged Corp {number}")
    page = client.get("/api/v1/companies?q=paged corp&per_page=2&page=2").json
    assert [c["name"] for c in page["data"]] == ["Paged Corp 2", "Paged Corp 3"]
    assert page["pagination"] == {"page": 2, "per_page": 2, "total": 5, "total_exact": True, "pages": 3}
    assert page["links"]["prev"] == "/api/v1/companies?page=1&per_page=2&q=paged+corp"
    assert page["links"]["last"] == "/api/v1/companies?page=3&per_page=2&q=paged+corp"
    last = client.get(page["links"]["next"]).json
    assert [c["name"] for c in last["data"]] == ["Paged Corp 4"] and last["links"]["next"] is None


def test_search_filters_by_country_industry_and_city(client: FlaskClient, container: Container) -> None:
    berlin = create(client, container, name="Berliner", location="Berlin, Germany", industry="Video Games")
    create(client, container, name="Aviv", location="Tel Aviv, Israel", industry="Video Games")
    assert [c["id"] for c in client.get("/api/v1/companies?country=de").json["data"]] == [berlin]
    assert len(client.get("/api/v1/companies?industry=Video Games").json["data"]) == 2
    assert [c["id"] for c in client.get("/api/v1/companies?city=DE-berlin").json["data"]] == [berlin]


def test_places_list_their_company_counts_and_companies(client: FlaskClient, container: Container) -> None:
    create(client, container, location="Santa Clara, California, U.S.", industry="Semiconductors")
    create(client, container, location="Santa Clara, CA", industry="Semiconductors")
    countries = client.get("/api/v1/countries").json["data"]
    assert {"key": "US", "name": "United States", "companies": 2} in countries
    cities = client.get("/api/v1/cities").json["data"]
    assert cities[0]["key"] == "US-CA-santa-clara" and cities[0]["latitude"]
    assert client.get("/api/v1/industries/semiconductors/companies").json["pagination"]["total"] == 2
    assert client.get("/api/v1/countries/us/companies").json["pagination"]["total"] == 2


def test_related_companies_share_something(client: FlaskClient, container: Container) -> None:
    me = create(client, container, location="Berlin, Germany", industry="Software")
    twin = create(client, container, location="Berlin, Germany", industry="Software")
    create(client, container, location="Tel Aviv, Israel", industry="Banking")
    related = client.get(f"/api/v1/companies/{me}/related").json["data"]
    assert [r["company"]["id"] for r in related] == [twin]


def test_a_related_list_shows_its_companies_as_they_are_now(
    client: FlaskClient, container: Container, settings, geocoder
) -> None:
    """A change applied in this process, or committed by another, is shown by the next list,
    each company as its own lookup shows it."""
    me = create(client, container, location="Berlin, Germany", industry="Software")
    twin = create(client, container, name="Twin One", location="Berlin, Germany", industry="Software")

    def twin_in_related() -> dict:
        (found,) = client.get(f"/api/v1/companies/{me}/related").json["data"]
        assert found["company"] == client.get(f"/api/v1/companies/{twin}").json
        return found["company"]

    assert twin_in_related()["name"] == "Twin One"
    publish(client, company_event("company-updated", twin, name="Twin Two"))
    assert container.bus.drain()
    assert twin_in_related()["name"] == "Twin Two"
    other_process = bootstrap(settings, geocoder=geocoder)
    try:
        other_process.sync.apply(load_event(company_event("company-updated", twin, name="Twin Three")))
    finally:
        other_process.close()
    assert twin_in_related()["name"] == "Twin Three"


def test_graph_depth_two_reaches_the_neighbours(client: FlaskClient, container: Container) -> None:
    me = create(client, container, industry="Quantum")
    other = create(client, container, industry="Quantum")
    depth1 = {n["id"] for n in client.get(f"/api/v1/companies/{me}/graph?depth=1").json["nodes"]}
    depth2 = {n["id"] for n in client.get(f"/api/v1/companies/{me}/graph?depth=2").json["nodes"]}
    assert f"Company/{other}" not in depth1 and f"Company/{other}" in depth2


def test_an_update_is_visible_at_once_in_the_process_that_applied_it(client, container) -> None:
    company_id = create(client, container, name="Before")
    assert client.get(f"/api/v1/companies/{company_id}").json["name"] == "Before"
    publish(client, company_event("company-updated", company_id, name="After"))
    assert container.bus.drain()
    assert client.get(f"/api/v1/companies/{company_id}").json["name"] == "After"


def test_responses_carry_a_request_id(client: FlaskClient) -> None:
    assert client.get("/health").headers["X-Request-Id"]
    assert client.get("/health", headers={"X-Request-Id": "abc"}).headers["X-Request-Id"] == "abc"


def test_health_and_readiness(client: FlaskClient, container: Container) -> None:
    assert client.get("/health").json == {"status": "ok"}
    assert client.get("/ready").json["checks"] == {"graph": "ok"}


def test_readiness_fails_when_the_store_does_not_answer(client: FlaskClient, container: Container) -> None:
    with file_unreadable(container.store):
        response = client.get("/ready")
    assert response.status_code == 503 and response.json["status"] == "unavailable"


def test_the_spec_is_valid_openapi_and_documents_every_route(client: FlaskClient) -> None:
    spec = client.get("/swagger.json").json
    validate(spec)
    assert {
        "/api/v1/companies",
        "/api/v1/companies/{company_id}",
        "/api/v1/companies/{company_id}/related",
        "/api/v1/companies/{company_id}/graph",
        "/api/v1/countries",
        "/api/v1/industries",
        "/api/v1/cities",
        "/api/v1/cities/{key}/companies",
        "/api/v1/events",
        "/health",
        "/ready",
    } <= set(spec["paths"])
    assert spec["definitions"]["Event"]["properties"]["eventType"]["enum"] == [
        "company-created",
        "company-updated",
        "company-deleted",
    ]


def test_swagger_ui_is_served(client: FlaskClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200 and b"swagger" in response.data.lower()


@pytest.mark.parametrize("path", ["/api/v1/companies", "/api/v1/countries", "/api/v1/cities"])
def test_an_empty_graph_answers_with_an_empty_first_page(client: FlaskClient, path: str) -> None:
    page = client.get(path).json
    assert page["data"] == [] and page["pagination"]["total"] == 0
