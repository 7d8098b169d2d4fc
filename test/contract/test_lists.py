"""Every combination of words and filters answers full pages while matches remain, against a
brute-force reading of the whole store, on every store.

The stores are generated as real feeds are shaped: names come in runs sharing their first
word (companies stored one after another), a third of the companies sit in one country,
and a sparse pair (an industry with 1% of its companies in the country where most others
are) hides among them; companies are then renamed, moved, re-filed and deleted, so the
indexes kept on write are checked after every kind of change, not only after inserts.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

import orjson
import pytest

from main.bootstrap import Container
from main.schema.intake import accept_raw
from main.service.listing import Listing
from main.service.model import Page, SearchQuery, Window
from main.service.ports import GraphStore

HUB = ["San Francisco, California, U.S.", "Austin, Texas, U.S.", "Boston, Massachusetts, U.S."]
OTHERS = ["Munich, Germany", "Berlin, Germany", "Paris, France", "Tokyo, Japan", "Montabaur, Germany"]
INDUSTRIES = ["Media", "Banking", "Healthcare"]
# Long words share their first six letters, where the word index's prefixes stop
FIRST_WORDS = ["Alpha", "Kalomi", "Internal", "International", "Nordic", "Zeta", "Bergen", "Orion"]
SECOND_WORDS = ["Labs", "Systems", "Tools", "Works", "Partners", "Internet", "Alps"]
SUFFIXES = ["Ltd", "Ltd", "Inc", "GmbH", "Holdings"]
RUN = 9

WORDS = [None, "ltd", "alpha", "internat", "internal", "intern", "k", "alpha ltd", "zeta gmbh", "qqq"]
COUNTRIES = [None, "US", "DE"]
CITIES = [None, "DE-munich", "US-CA-san-francisco"]
FILTER_INDUSTRIES = [None, "software", "automotive", "media"]


def event(number: int, kind: str, data: dict) -> bytes:
    return orjson.dumps(
        {
            "eventId": f"e{number}",
            "eventType": kind,
            "occurredAt": f"2026-01-01T00:{number // 60:02d}:{number % 60:02d}Z",
            "data": data,
        }
    )


def company(rng: random.Random, number: int) -> dict:
    industries = ["Software"] if rng.random() < 0.3 else []
    if rng.random() < 0.15:
        industries.append("Automotive")
        location = rng.choice(OTHERS[:2]) if rng.random() < 0.01 else rng.choice(HUB)
    else:
        industries.append(rng.choice(INDUSTRIES))
        location = rng.choice(HUB) if rng.random() < 0.34 else rng.choice(OTHERS)
    first = FIRST_WORDS[(number // RUN) % len(FIRST_WORDS)]
    name = f"{first} {rng.choice(SECOND_WORDS)} {rng.choice(SUFFIXES)}"
    return {"id": f"c{number}", "name": name, "industry": industries, "location": location}


def history(seed: int, companies: int = 500) -> list[bytes]:
    """Creates in runs, then renames, moves, re-filings and deletes of companies already stored,
    and a few companies in the sparse pair itself (so every seed has one)."""
    rng = random.Random(seed)
    events = [event(n, "company-created", company(rng, n)) for n in range(companies)]
    for n in range(companies, companies + 5):
        pair = {"id": f"c{n}", "name": f"Zeta Motors {n}", "industry": ["Automotive"], "location": OTHERS[0]}
        events.append(event(n, "company-created", pair))
    for n in range(companies + 5, companies + 5 + companies // 2):
        changed = rng.randrange(companies)
        fresh = company(rng, rng.randrange(companies * 2))
        roll = rng.random()
        if roll < 0.1:
            events.append(event(n, "company-deleted", {"id": f"c{changed}"}))
            continue
        field = "name" if roll < 0.4 else "location" if roll < 0.7 else "industry"
        events.append(event(n, "company-updated", {"id": f"c{changed}", field: fresh[field]}))
    return events


def stored(container: Container, events: list[bytes]) -> GraphStore:
    for start in range(0, len(events), 100):
        batch = [accept_raw(line, container.skew).event for line in events[start : start + 100]]
        container.sync.apply_batch(batch)
    return container.store


def everything(store: GraphStore) -> list[dict]:
    return list(map(orjson.loads, Listing(store).search(SearchQuery(window=Window(per_page=10_000))).items))


def matches(companies: list[dict], query: SearchQuery) -> list[dict]:
    """The query's answer by reading every company: names are ASCII words, so splitting on
    spaces is the word index's own reading of them."""
    found = []
    for found_company in companies:
        place, words = found_company.get("place") or {}, (found_company.get("name") or "").lower().split()
        if query.country and (place.get("country") or {}).get("key") != query.country:
            continue
        if query.city and (place.get("city") or {}).get("key") != query.city:
            continue
        if query.industry and query.industry not in {i["key"] for i in found_company.get("industries", [])}:
            continue
        if query.q and not all(any(w.startswith(q) for w in words) for q in query.q.split()):
            continue
        found.append(found_company)
    if not query.q:
        found.sort(key=lambda c: ((c.get("name") or "").lower(), f"Company/{c['id']}"))
    return found


def queries() -> list[SearchQuery]:
    return [
        SearchQuery(q=q, country=country, city=city, industry=industry)
        for q, country, city, industry in itertools.product(WORDS, COUNTRIES, CITIES, FILTER_INDUSTRIES)
    ]


def walked(store: GraphStore, query: SearchQuery, per_page: int) -> tuple[list[Page], list[str]]:
    pages, after = [], None
    while True:
        page = Listing(store).search(replace(query, window=Window(per_page, after=after)))
        pages.append(page)
        if page.next_after is None:
            break
        after = page.next_after
    return pages, [orjson.loads(item)["id"] for page in pages for item in page.items]


def assert_answers_as_brute_force(store: GraphStore, query: SearchQuery, expected: list[dict]) -> None:
    per_page = 7
    pages, found = walked(store, query, per_page)
    shown = query.__dict__ | {"window": None}
    assert len(found) == len(set(found)), ("a company twice", shown)
    if query.q:
        assert sorted(found) == sorted(c["id"] for c in expected), shown
    else:
        assert found == [c["id"] for c in expected], ("in name order", shown)
    for page in pages[:-1]:
        assert len(page.items) == per_page, ("a short page before the end", shown)
    first = pages[0]
    assert len(first.items) == min(per_page, len(expected)), shown
    if first.total_exact:
        assert first.total == len(expected), shown
    else:
        assert 0 < first.total <= len(expected), ("a lower bound, never 0 while matches exist", shown)


@pytest.mark.parametrize("seed", range(3))
def test_every_combination_pages_as_a_brute_force_search_of_a_changed_store(
    container: Container, seed: int
) -> None:
    store = stored(container, history(seed))
    companies = everything(store)
    sparse = matches(companies, SearchQuery(country="DE", industry="automotive"))
    assert 0 < len(sparse) <= len(matches(companies, SearchQuery(industry="automotive"))) // 3
    for query in queries():
        assert_answers_as_brute_force(store, query, matches(companies, query))


def test_counts_are_exact_for_filters_and_for_words_up_to_the_limit(container: Container) -> None:
    store = stored(container, history(7))
    companies = everything(store)
    for query in queries():
        page = Listing(store).search(query)
        assert page.total_exact or query.q, query
        if page.total_exact:
            assert page.total == len(matches(companies, query)), query


def test_a_city_of_another_country_matches_nothing(container: Container) -> None:
    store = stored(container, history(3, companies=60))
    page = Listing(store).search(SearchQuery(country="US", city="DE-munich"))
    assert (page.items, page.total, page.total_exact) == ([], 0, True)
    assert Listing(store).search(SearchQuery(q="ltd", country="FR", city="DE-munich")).items == []
