"""The fast paths (WSGI, no Flask) answer exactly as Flask does: status, headers and body,
for every kind of request that may take them, and count in the same metrics series."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from main.bootstrap import Container
from main.controller.http.app import create_app
from main.controller.http.fast_paths import FastPaths
from test.conftest import API_KEY
from test.controller.test_metrics import COMPANY_ROUTE, sample
from test.helpers import company_event


def without_fast_paths(app: Flask) -> Flask:
    layer = app.wsgi_app
    while not isinstance(layer.app, FastPaths):
        layer = layer.app
    layer.app = layer.app.app
    return app


@pytest.fixture
def both(container: Container) -> tuple[FlaskClient, FlaskClient]:
    events = [
        company_event(company_id="fast-1", name="Fast Ltd", industry="Software", location="Berlin, Germany"),
        company_event(company_id="Mixed.Case_2", name="Mixed"),
    ]
    fast = create_app(container).test_client()
    for event in events:
        assert fast.post("/api/v1/events", json=event, headers={"X-API-Key": API_KEY}).status_code == 202
    assert container.bus.drain()
    return fast, without_fast_paths(create_app(container)).test_client()


def answer(client: FlaskClient, path: str, headers: dict[str, str]) -> tuple[str, list, bytes]:
    response = client.get(path, headers=headers)
    kept = sorted((k, v) for k, v in response.headers.items() if k != "X-Request-Id")
    return response.status, kept, response.data


def etag_of(client: FlaskClient, path: str) -> str:
    return client.get(path).headers["ETag"]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/health", {}),
        ("/api/v1/companies/fast-1", {}),
        ("/api/v1/companies/FAST-1", {}),
        ("/api/v1/companies/mixed.case_2", {}),
        ("/api/v1/companies/fast-1", {"If-None-Match": "ETAG"}),
        ("/api/v1/companies/fast-1", {"If-None-Match": "W/ETAG"}),
        ("/api/v1/companies/fast-1", {"If-None-Match": '"other", ETAG'}),
        ("/api/v1/companies/fast-1", {"If-None-Match": "*"}),
        ("/api/v1/companies/fast-1", {"If-None-Match": '"stale"'}),
        ("/api/v1/companies/fast-1", {"X-API-Key": API_KEY}),
        ("/api/v1/companies/fast-1", {"Authorization": "Bearer x"}),
        ("/api/v1/companies/fast-1?pretty=1", {}),
        ("/api/v1/companies/no-such-company", {}),
        ("/api/v1/companies/a%2Fb", {}),
        ("/api/v1/companies/%C3%A9t%C3%A9", {}),
        ("/api/v1/companies/%FF", {}),
        ("/api/v1/companies/", {}),
        ("/health/", {}),
        ("/api/v1/companies", {}),
        ("/api/v1/companies?q=fast", {}),
        ("/api/v1/companies?q=FAST%20ltd&per_page=1", {}),
        ("/api/v1/companies?q=%C3%A9t%C3%A9", {}),
        ("/api/v1/companies?q=%FF", {}),
        ("/api/v1/companies?q=a&q=b", {}),
        ("/api/v1/companies?country=de&industry=Software", {}),
        ("/api/v1/companies?industry=%21%21", {}),
        ("/api/v1/companies?city=DE-berlin&page=1&per_page=100", {}),
        ("/api/v1/companies?per_page=1&page=2", {}),
        ("/api/v1/companies?page=3", {}),
        ("/api/v1/companies?page=0", {}),
        ("/api/v1/companies?page=x", {}),
        ("/api/v1/companies?page=", {}),
        ("/api/v1/companies?page=99999", {}),
        ("/api/v1/companies?per_page=101", {}),
        ("/api/v1/companies?cursor=not-a-cursor", {}),
        ("/api/v1/companies?unknown=1", {}),
        ("/api/v1/companies?q=fast", {"X-API-Key": API_KEY}),
        ("/api/v1/companies?q=fast", {"Authorization": "Bearer x"}),
        ("/api/v1/companies?q=fast", {"If-None-Match": '"stale"'}),
        ("/api/v1/companies/fast-1/related", {}),
        ("/api/v1/companies/FAST-1/related?limit=1", {}),
        ("/api/v1/companies/fast-1/related?limit=0", {}),
        ("/api/v1/companies/fast-1/related?limit=x", {}),
        ("/api/v1/companies/fast-1/related?limit=1&limit=2", {}),
        ("/api/v1/companies/no-such-company/related", {}),
        ("/api/v1/companies/fast-1/related", {"X-API-Key": API_KEY}),
        ("/api/v1/companies/fast-1/related/", {}),
        ("/api/v1/companies/fast-1/", {}),
        ("/api/v1/companies/fast-1/unknown", {}),
        ("/api/v1/companies/%C3%A9t%C3%A9/related", {}),
        ("/api/v1/companies/fast-1/graph", {}),
        ("/api/v1/companies/fast-1/graph?depth=2", {}),
        ("/api/v1/companies/mixed.case_2/graph?depth=2", {}),
        ("/api/v1/companies/fast-1/graph?depth=3", {}),
        ("/api/v1/companies/no-such-company/graph", {}),
        ("/api/v1/companies/fast-1/graph", {"Authorization": "Bearer x"}),
        ("/api/v1/countries", {}),
        ("/api/v1/industries?per_page=1&page=2", {}),
        ("/api/v1/cities?page=1&per_page=100", {}),
        ("/api/v1/cities?page=99", {}),
        ("/api/v1/cities?page=0", {}),
        ("/api/v1/cities?per_page=x", {}),
        ("/api/v1/cities?cursor=not-a-cursor", {}),
        ("/api/v1/cities", {"X-API-Key": API_KEY}),
        ("/api/v1/cities/", {}),
    ],
)
def test_a_fast_answer_is_the_answer_flask_gives(
    both: tuple[FlaskClient, FlaskClient], path: str, headers: dict[str, str]
) -> None:
    fast, flask = both
    if "If-None-Match" in headers:
        etag = etag_of(flask, "/api/v1/companies/fast-1")
        headers = {"If-None-Match": headers["If-None-Match"].replace("ETAG", etag)}
    assert answer(fast, path, headers) == answer(flask, path, headers)


def test_fast_answers_are_counted_under_the_same_route(both: tuple[FlaskClient, FlaskClient]) -> None:
    fast, _ = both
    ok = {"method": "GET", "route": COMPANY_ROUTE, "status": "200"}
    before = sample(fast, "http_requests_total", **ok)
    health = sample(fast, "http_requests_total", method="GET", route="/health", status="200")
    for _ in range(3):
        assert fast.get("/api/v1/companies/fast-1").status_code == 200
    fast.get("/health")
    assert sample(fast, "http_requests_total", **ok) == before + 3
    assert sample(fast, "http_requests_total", method="GET", route="/health", status="200") == health + 1


def test_a_change_is_served_at_once_by_the_fast_path(
    both: tuple[FlaskClient, FlaskClient], container: Container
) -> None:
    fast, _ = both
    first = fast.get("/api/v1/companies/fast-1")
    update = company_event("company-updated", company_id="fast-1", name="Faster Ltd")
    fast.post("/api/v1/events", json=update, headers={"X-API-Key": API_KEY})
    assert container.bus.drain()
    second = fast.get("/api/v1/companies/fast-1")
    assert second.json["name"] == "Faster Ltd" and second.headers["ETag"] != first.headers["ETag"]


def test_hits_and_probes_never_reach_flask_and_the_rest_does(container: Container) -> None:
    app = create_app(container)
    reached: list[str] = []
    layer = app.wsgi_app
    while not isinstance(layer, FastPaths):
        layer = layer.app
    inner = layer.app

    def flask(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    layer.app = flask
    client = app.test_client()
    event = company_event(company_id="fast-3", name="Quick")
    client.post("/api/v1/events", json=event, headers={"X-API-Key": API_KEY})
    assert container.bus.drain()
    reached.clear()
    for path in ("/health", "/api/v1/companies/fast-3", "/api/v1/companies/FAST-3"):
        assert client.get(path).status_code == 200
    assert reached == []
    assert client.get("/api/v1/companies?q=quick").status_code == 200
    assert client.get("/api/v1/companies/fast-3/related").status_code == 200
    assert client.get("/api/v1/companies/fast-3/graph?depth=2").status_code == 200
    assert client.get("/api/v1/countries").status_code == 200
    assert reached == []
    client.get("/api/v1/companies/unknown")
    client.get("/api/v1/companies?page=0")
    assert reached == ["/api/v1/companies/unknown", "/api/v1/companies"]


def test_following_a_cursor_is_answered_as_flask_answers_it(both: tuple[FlaskClient, FlaskClient]) -> None:
    fast, flask = both
    for path in (
        "/api/v1/companies?per_page=1",
        "/api/v1/companies?q=fast&per_page=1",
        "/api/v1/cities?per_page=1",
    ):
        first = flask.get(path).json
        assert answer(fast, path, {}) == answer(flask, path, {})
        following = first["links"]["next"]
        if following:
            assert answer(fast, following, {}) == answer(flask, following, {})
    other_list = flask.get("/api/v1/companies?per_page=1").json["links"]["next"]
    mixed = other_list.replace("per_page=1", "per_page=1&q=fast")
    assert answer(fast, mixed, {}) == answer(flask, mixed, {})
    assert fast.get(mixed).status_code == 200, "another list's cursor is a position in this one"
    outside = "/api/v1/companies?per_page=1&cursor=a"
    assert answer(fast, outside, {}) == answer(flask, outside, {})
    assert fast.get(outside).status_code == 400


@pytest.mark.parametrize(
    ("path", "route"),
    [
        ("/api/v1/companies?q=fast", "/api/v1/companies"),
        ("/api/v1/companies/fast-1/related", f"{COMPANY_ROUTE}/related"),
        ("/api/v1/companies/fast-1/graph?depth=2", f"{COMPANY_ROUTE}/graph"),
        ("/api/v1/cities", "/api/v1/cities"),
    ],
)
def test_searches_and_neighbours_are_counted_under_the_same_route(
    both: tuple[FlaskClient, FlaskClient], path: str, route: str
) -> None:
    fast, _ = both
    ok = {"method": "GET", "route": route, "status": "200"}
    before = sample(fast, "http_requests_total", **ok)
    for _ in range(3):
        assert fast.get(path).status_code == 200
    assert sample(fast, "http_requests_total", **ok) == before + 3


# What a request reads: a company from the store, a list through the service's listing, a
# related list or graph through its neighbours (both read the store's indexes)
READS = {
    "store": ("get_company",),
    "listing": ("search", "places", "place_companies"),
    "neighbours": ("related", "neighbourhood"),
}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/companies/no-such-company",
        "/api/v1/companies/no-such-company/related",
        "/api/v1/companies/no-such-company/graph",
        "/api/v1/companies?q=nothing-like-it&page=2",
        "/api/v1/cities?page=99",
    ],
)
def test_a_request_the_fast_path_refuses_reads_the_store_once(
    container: Container, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """Flask answers what stopped the fast path; it used to start over and read the store again."""
    client = create_app(container).test_client()
    calls: list[str] = []
    readers = {
        "store": container.store,
        "listing": container.lookup.listing,
        "neighbours": container.lookup.neighbours,
    }
    for reader, names in READS.items():
        for name in names:
            original = getattr(readers[reader], name)

            def counted(*args: object, _name: str = name, _original=original, **kwargs: object) -> object:
                calls.append(_name)
                return _original(*args, **kwargs)

            monkeypatch.setattr(readers[reader], name, counted)
    response = client.get(path)
    assert response.status_code == 404 and response.json["code"] == 404
    assert len(calls) == 1, calls


def test_a_fault_of_the_fast_path_is_logged_and_answered_as_a_500(
    container: Container, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(container.lookup, "get_rendered", broken)
    response = create_app(container).test_client().get("/api/v1/companies/any")
    assert response.status_code == 500 and response.json["message"] == "Internal server error."
    assert "a bug" in caplog.text
