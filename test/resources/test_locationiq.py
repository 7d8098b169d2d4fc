"""The LocationIQ geocoder against a local server speaking LocationIQ's documented answers."""

from __future__ import annotations

import json
import threading
import time

import pytest
from prometheus_client import REGISTRY
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from main.bootstrap import bootstrap
from main.resources.geo.locationiq import LocationIQGeocoder
from main.schema.loading import load_event
from main.service.errors import GeocoderMisconfigured, Unavailable
from main.service.related import Neighbours
from main.util.backoff import Backoff
from main.util.rate_limit import RateLimiter
from test.helpers import company_event

SANTA_CLARA = [
    {
        "place_id": "1",
        "lat": "37.3541132",
        "lon": "-121.9552356",
        "display_name": "Santa Clara, Santa Clara County, California, USA",
        "address": {
            "city": "Santa Clara",
            "county": "Santa Clara County",
            "state": "California",
            "state_code": "ca",
            "country": "United States of America",
            "country_code": "us",
        },
    }
]


def geocoder(server: HTTPServer, per_second: int = 1000, timeout: float = 2.0) -> LocationIQGeocoder:
    return LocationIQGeocoder(
        "test-key",
        server.url_for("/v1"),
        RateLimiter({1.0: per_second}),
        timeout=(timeout, timeout),
        attempts=3,
        backoff=Backoff(base=0.05),
    )


def test_a_structured_search_fills_the_place_from_address_details(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/v1/search",
        query_string={
            "key": "test-key",
            "city": "Santa Clara",
            "state": "CA",
            "country": "US",
            "format": "json",
            "addressdetails": "1",
            "normalizecity": "1",
            "statecode": "1",
            "limit": "1",
        },
    ).respond_with_json(SANTA_CLARA)
    place = geocoder(httpserver).resolve({"city": "Santa Clara", "state": "CA", "country": "US"})
    assert (place.country_code, place.state_code, place.city_key) == ("US", "US-CA", "US-CA-santa-clara")
    assert place.latitude == pytest.approx(37.354, abs=1e-3) and place.state_name == "California"


def test_free_text_is_sent_as_q(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/v1/search",
        query_string={
            "key": "test-key",
            "q": "Santa Clara, California, U.S.",
            "format": "json",
            "addressdetails": "1",
            "normalizecity": "1",
            "statecode": "1",
            "limit": "1",
        },
    ).respond_with_json(SANTA_CLARA)
    assert geocoder(httpserver).resolve("Santa Clara, California, U.S.").city_name == "Santa Clara"


@pytest.mark.parametrize(
    "answer", [Response(json.dumps({"error": "Unable to geocode"}), 404), Response("[]", 200)]
)
def test_not_found_is_a_place_without_a_country(httpserver: HTTPServer, answer: Response) -> None:
    httpserver.expect_request("/v1/search").respond_with_response(answer)
    place = geocoder(httpserver).resolve("Atlantis")
    assert place.raw == "Atlantis" and not place.resolved


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_a_loud_configuration_error(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/v1/search").respond_with_json({"error": "Invalid key"}, status=status)
    with pytest.raises(GeocoderMisconfigured, match=str(status)):
        geocoder(httpserver).resolve("Berlin")
    assert len(httpserver.log) == 1, "a configuration error is not retried"


def test_429_is_retried_after_the_time_retry_after_asks(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/v1/search").respond_with_response(
        Response('{"error": "Rate Limited Second"}', 429, headers={"Retry-After": "1"})
    )
    httpserver.expect_request("/v1/search").respond_with_json(SANTA_CLARA)
    started = time.monotonic()
    assert geocoder(httpserver).resolve("Santa Clara").city_name == "Santa Clara"
    assert time.monotonic() - started >= 1.0


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_errors_are_retried_with_backoff(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_ordered_request("/v1/search").respond_with_json({"error": "busy"}, status=status)
    httpserver.expect_ordered_request("/v1/search").respond_with_json(SANTA_CLARA)
    calls = {
        code: REGISTRY.get_sample_value("geocoder_requests_total", {"status": code}) or 0
        for code in (str(status), "200")
    }
    assert geocoder(httpserver).resolve("Santa Clara").city_name == "Santa Clara"
    assert len(httpserver.log) == 2
    for code, before in calls.items():  # what Prometheus sees: each call by its status
        assert REGISTRY.get_sample_value("geocoder_requests_total", {"status": code}) == before + 1


def test_an_upstream_that_stays_down_is_unavailable(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v1/search").respond_with_json({"error": "down"}, status=500)
    with pytest.raises(Unavailable, match="500"):
        geocoder(httpserver).resolve("Santa Clara")
    assert len(httpserver.log) == 3


def test_a_slow_answer_past_the_timeout_is_unavailable(httpserver: HTTPServer) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(1.0)
        return Response(json.dumps(SANTA_CLARA), 200, content_type="application/json")

    httpserver.expect_request("/v1/search").respond_with_handler(slow)
    with pytest.raises(Unavailable, match="timeout"):
        geocoder(httpserver, timeout=0.3).resolve("Santa Clara")


@pytest.mark.parametrize("body", ["<html>oops</html>", '[{"lat": "1"}]', '{"not": "a list"}'])
def test_a_malformed_body_is_unavailable(httpserver: HTTPServer, body: str) -> None:
    httpserver.expect_request("/v1/search").respond_with_data(body, content_type="application/json")
    with pytest.raises(Unavailable):
        geocoder(httpserver).resolve("Santa Clara")


def test_no_geocoder_failure_escapes_to_the_event(httpserver: HTTPServer, settings) -> None:
    httpserver.expect_request("/v1/search").respond_with_json({"error": "Invalid key"}, status=401)
    container = bootstrap(settings, geocoder=geocoder(httpserver), consume=False)
    store = container.store
    container.sync.apply(load_event(company_event(company_id="kept", location="Santa Clara, CA")))
    company = store.get_company("KEPT")
    assert company["place"]["raw"] == "Santa Clara, CA" and company["place"]["country"] is None
    assert store.known_places(["santa clara, ca"]) == {}, "a failure is not remembered"
    container.close()


def test_each_distinct_place_costs_one_call_even_across_restarts(httpserver: HTTPServer, settings) -> None:
    httpserver.expect_request("/v1/search").respond_with_json(SANTA_CLARA)
    places = [f"Place {n}, California, U.S." for n in range(40)]
    events = [load_event(company_event(location=places[n % 40])) for n in range(300)]
    first = bootstrap(settings, geocoder=geocoder(httpserver), consume=False)
    first.sync.apply_batch(events)
    first.close()
    assert len(httpserver.log) == 40
    restarted = bootstrap(settings, geocoder=geocoder(httpserver), consume=False)
    restarted.sync.apply_batch([load_event(company_event(location=places[n % 40])) for n in range(300)])
    restarted.close()
    assert len(httpserver.log) == 40


def test_the_rate_limiter_holds_under_sixteen_threads() -> None:
    limiter = RateLimiter({1.0: 10, 60.0: 1000})
    granted: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(3):
            instant = limiter.acquire()
            with lock:
                granted.append(instant)

    threads = [threading.Thread(target=take) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    granted.sort()
    busiest = max(sum(1 for t in granted if start <= t < start + 1.0) for start in granted)
    assert len(granted) == 48 and busiest <= 10
    assert granted[-1] - granted[0] >= 3.9


def test_the_rate_limiter_counts_every_window() -> None:
    now = [0.0]
    limiter = RateLimiter(
        {1.0: 2, 60.0: 3}, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)
    )
    for _ in range(4):
        limiter.acquire()
    assert now[0] >= 60.0, "the fourth call waits for the minute window"


def test_relocate_links_the_places_left_raw_while_the_geocoder_was_down(httpserver: HTTPServer, app) -> None:
    from main.controller.http.app import create_app

    container = app.extensions["company_graph"]
    down = bootstrap(container.settings, geocoder=geocoder(httpserver), consume=False)
    httpserver.expect_request("/v1/search").respond_with_json({"error": "down"}, status=503)
    for number in range(4):
        down.sync.apply(load_event(company_event(company_id=f"raw-{number}", location="Santa Clara, CA")))
    assert down.store.get_company("RAW-0")["place"]["country"] is None
    httpserver.clear()
    httpserver.expect_request("/v1/search").respond_with_json(SANTA_CLARA)
    up = bootstrap(container.settings, geocoder=geocoder(httpserver), consume=False)
    result = create_app(up).test_cli_runner().invoke(args=["relocate", "--no-progress"])
    assert "checked 4: linked 4, still raw 0" in result.output, result.output
    company = up.store.get_company("RAW-1")
    assert company["place"]["city"]["key"] == "US-CA-santa-clara"
    assert "City/US-CA-santa-clara" in {
        e["to"] for e in Neighbours(up.store).neighbourhood("RAW-1", 1, 10).edges
    }
    assert len(httpserver.log) == 1, "one upstream call for the one distinct place"
    down.close()
    up.close()
