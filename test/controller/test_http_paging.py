"""Lists page by cursor: following links.next visits every item once, in order; bad cursors are 400s."""

from __future__ import annotations

import random
import re
import string
from urllib.parse import quote

import orjson
import pytest
from flask.testing import FlaskClient

from main.bootstrap import Container
from main.controller.http.pagination import CURSOR_PATTERN
from main.schema.loading import load_event
from main.service.model import SearchQuery, Window
from test.conftest import new_id
from test.helpers import company_event

PLACES = ["Berlin, Germany", "Munich, Germany", "Tel Aviv, Israel", "Paris, France"]
INDUSTRIES = ["Software", "Banking", "Media"]
FIRST = ["Alpha", "Beta", "Gamma"]
LAST = ["Ltd", "Labs", "Laboratories"]


@pytest.fixture
def companies(container: Container) -> list[dict]:
    """60 companies spread over places and industries, applied straight through the sync service."""
    rng = random.Random(60)
    events = [
        company_event(
            company_id=new_id(),
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
            location=rng.choice(PLACES),
            industry=rng.sample(INDUSTRIES, rng.randint(1, 2)),
        )
        for n in range(60)
    ]
    container.sync.apply_batch([load_event(e) for e in events])
    return [e["data"] for e in events]


def walk(client: FlaskClient, url: str) -> list[dict]:
    """Every item of a list, following links.next from the first page."""
    items, pages = [], 0
    while url:
        page = client.get(url).json
        items.extend(page["data"])
        url = page["links"]["next"]
        pages += 1
        assert pages < 200, "the cursor does not move"
    return items


QUERIES = [
    "",
    "country=DE",
    "industry=software",
    "city=DE-berlin",
    "country=DE&industry=software",
    "country=DE&industry=banking&city=DE-munich",
    "q=alpha",
    "q=alpha&country=DE",
    "q=labs&industry=media&country=IL",
    "q=laborat",
    "q=laborato&city=DE-berlin",
    "q=lab&country=DE",
    "q=alpha lab&industry=software",
]


@pytest.mark.parametrize("query", QUERIES)
def test_following_next_visits_every_match_once(
    client: FlaskClient, container: Container, companies: list[dict], query: str
) -> None:
    visited = walk(client, f"/api/v1/companies?per_page=7&{query.replace(' ', '%20')}")
    ids = [c["id"] for c in visited]
    assert len(ids) == len(set(ids)), "no company twice"
    expected = {c["id"] for c in _brute_force(container, query)}
    assert set(ids) == expected
    if "q=" not in query:
        assert [c["name"].lower() for c in visited] == sorted(c["name"].lower() for c in visited)


def _brute_force(container: Container, query: str) -> list[dict]:
    """The same search over the whole store at once, each company checked by hand."""
    args = {k: v.replace("%20", " ") for k, v in (part.split("=") for part in query.split("&") if part)}
    everything = container.lookup.listing.search(SearchQuery(window=Window(per_page=10_000))).items
    everything = map(orjson.loads, everything)
    found = []
    for company in everything:
        place = company["place"]
        industries = {i["key"] for i in company["industries"]}
        words = company["name"].lower().split()
        if "country" in args and (place["country"] or {}).get("key") != args["country"]:
            continue
        if "city" in args and (place["city"] or {}).get("key") != args["city"]:
            continue
        if "industry" in args and args["industry"] not in industries:
            continue
        if "q" in args and not all(any(w.startswith(q) for w in words) for q in args["q"].split()):
            continue
        found.append(company)
    return found


def test_places_and_a_place_s_companies_page_by_cursor(client: FlaskClient, companies: list[dict]) -> None:
    cities = walk(client, "/api/v1/cities?per_page=1")
    assert [c["companies"] for c in cities] == sorted((c["companies"] for c in cities), reverse=True)
    assert sum(c["companies"] for c in cities) == len(companies)
    berlin = walk(client, "/api/v1/cities/DE-berlin/companies?per_page=4")
    assert len(berlin) == next(c["companies"] for c in cities if c["key"] == "DE-berlin")


def _cursor_of(client: FlaskClient, url: str) -> str:
    return client.get(url).json["links"]["next"].split("cursor=")[1].split("&")[0]


@pytest.mark.parametrize(
    "cursor",
    ["a", "abcde", "not a cursor", "a+b/", "AAAA=", "x" * 4097],
    ids=["one-character", "length-5", "space", "plus-slash", "padded", "too-long"],
)
def test_a_string_outside_the_cursor_s_form_is_a_400_naming_cursor(
    client: FlaskClient, companies, cursor: str
) -> None:
    response = client.get(f"/api/v1/companies?per_page=2&country=DE&cursor={quote(cursor)}")
    assert response.status_code == 400 and "cursor" in response.json["errors"]


LISTS = [
    "/api/v1/companies?per_page=3",
    "/api/v1/companies?per_page=3&country=DE",
    "/api/v1/companies?per_page=3&q=a",
    "/api/v1/companies?per_page=3&q=a&country=DE",
    "/api/v1/cities?per_page=3",
    "/api/v1/cities/DE-berlin/companies?per_page=3",
]


@pytest.mark.parametrize("url", LISTS)
def test_any_string_of_the_cursor_s_form_is_a_position_the_list_goes_on_from(
    client: FlaskClient, companies, url: str
) -> None:
    """The spec's cursor is base64url: every string of that form is taken (a fuzzer's or a
    generated client's), as the items after the position it decodes to."""
    rng = random.Random(23)
    alphabet = string.ascii_letters + string.digits + "-_"
    for _ in range(40):
        length = rng.choice([2, 3, 4, 6, 7, 8, 11, 12, 40, 302])
        cursor = "".join(rng.choice(alphabet) for _ in range(length))
        assert re.fullmatch(CURSOR_PATTERN, cursor)
        response = client.get(f"{url}&cursor={cursor}")
        assert response.status_code == 200, (cursor, response.json)
        assert set(response.json) == {"data", "pagination", "links"}


def test_a_cursor_of_another_list_goes_on_after_its_position_in_this_one(
    client: FlaskClient, companies
) -> None:
    germany = client.get("/api/v1/companies?per_page=2&country=DE").json["data"]
    cursor = _cursor_of(client, "/api/v1/companies?per_page=2&country=DE")
    israel = walk(client, "/api/v1/companies?per_page=50&country=IL")
    after = [c for c in israel if (c["name"], c["id"]) > (germany[-1]["name"], germany[-1]["id"])]
    response = client.get(f"/api/v1/companies?per_page=50&country=IL&cursor={cursor}")
    assert response.status_code == 200
    assert [c["id"] for c in response.json["data"]] == [c["id"] for c in after][:50]


def test_a_cursor_keeps_working_with_another_page_size(client: FlaskClient, companies) -> None:
    cursor = _cursor_of(client, "/api/v1/companies?per_page=2&country=DE")
    assert client.get(f"/api/v1/companies?per_page=50&country=DE&cursor={cursor}").status_code == 200


def test_a_cursor_wins_over_a_page_number(client: FlaskClient, companies) -> None:
    cursor = _cursor_of(client, "/api/v1/companies?per_page=2&country=DE")
    by_cursor = client.get(f"/api/v1/companies?per_page=2&country=DE&cursor={cursor}").json["data"]
    both = client.get(f"/api/v1/companies?per_page=2&country=DE&cursor={cursor}&page=7").json
    assert both["data"] == by_cursor and both["pagination"]["page"] is None
    # beside a cursor, a page number is still held to the bound the spec documents
    beyond = client.get(f"/api/v1/companies?per_page=2&country=DE&cursor={cursor}&page=102")
    assert beyond.status_code == 400 and "page" in beyond.json["errors"]


def test_page_numbers_stop_where_skipping_would_cost_and_say_to_follow_next(client: FlaskClient) -> None:
    assert client.get("/api/v1/companies?per_page=100&page=101").status_code != 400
    refused = client.get("/api/v1/companies?per_page=100&page=102")
    assert refused.status_code == 400 and "page" in refused.json["errors"]
    bad = client.get("/api/v1/companies?page=2&cursor=a")
    assert bad.status_code == 400 and "cursor" in bad.json["errors"]
