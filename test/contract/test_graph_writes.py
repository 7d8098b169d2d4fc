"""The unit of work, on every store: what a batch reads, and its plan saved all-or-nothing.
The counts a store keeps on write (companies in all, each node's, each pair's, the places of
each collection) are held to a count of the documents after every kind of change."""

from __future__ import annotations

import random
from collections import Counter

import orjson
import pytest

from main.bootstrap import Container
from main.schema.intake import accept_raw
from main.schema.loading import load_event
from main.service.changes import build_change
from main.service.company_json import company_json
from main.service.graph_writer import GraphWriter
from main.service.listing import Listing
from main.service.model import Event, Outcome, SearchQuery, Window
from main.service.write_plan import pairs_of
from test.contract.test_lists import history
from test.helpers import company_event, random_history


def documents(container: Container) -> list[dict]:
    page = Listing(container.store).search(SearchQuery(window=Window(per_page=10_000)))
    return [orjson.loads(item) for item in page.items]


def node_ids(company: dict) -> list[str]:
    place = company.get("place") or {}
    found = [
        f"{kind.title()}/{place[kind]['key']}" for kind in ("country", "state", "city") if place.get(kind)
    ]
    return found + [f"Industry/{industry['key']}" for industry in company.get("industries") or []]


def test_a_batch_that_fails_leaves_nothing_behind(container: Container) -> None:
    good = build_change(Event("e1", "company-created", "c1", {"id": "c1", "name": "Good"}), None)
    unstorable = build_change(Event("e2", "company-created", "c2", {"id": "c2", "tags": {"a set"}}), None)
    writer = GraphWriter(container.store)
    with pytest.raises(TypeError):
        writer.apply([good, unstorable])
    assert container.store.get_company("C1") is None
    assert container.store.tally("Company") == 0
    assert writer.apply([good]) == [Outcome.APPLIED]
    assert writer.apply([good]) == [Outcome.DUPLICATE]


def test_a_unit_of_work_reads_what_was_saved(container: Container) -> None:
    event = company_event(
        company_id="acme", event_id="e-acme", name="Acme", location="Berlin", industry=["Software", "Media"]
    )
    container.sync.apply_batch([load_event(event)])
    with container.store.unit_of_work() as work:
        assert work.applied([event["eventId"], "never-seen"]) == {event["eventId"]}
        stored = work.companies({"ACME", "NOBODY"})
        assert stored["ACME"].state.doc == container.store.get_company("ACME")
        assert set(stored["ACME"].state.versions) == {"name", "location", "industry"}
        assert {target for _, target in stored["ACME"].edges} == set(node_ids(stored["ACME"].state.doc))
        assert stored["NOBODY"].state.doc is None and stored["NOBODY"].edges == frozenset()
        degrees = work.degrees(["Industry/media", "Industry/nothing"])
        assert {node: count for node, count in degrees.items() if count} == {"Industry/media": 1}


@pytest.mark.parametrize("seed", range(3))
def test_counts_kept_on_write_are_the_counts_of_the_documents(container: Container, seed: int) -> None:
    rng = random.Random(seed)
    events, start = history(seed, companies=120), 0
    while start < len(events):  # batches of any size, some delivered twice
        end = start + rng.randint(1, 60)
        container.sync.apply_batch([accept_raw(line, container.skew).event for line in events[start:end]])
        start = max(start + 1, end - rng.randint(0, 3))
    for event in random_history(rng, companies=6, length=80):
        container.sync.apply_batch([load_event(event)])
    store, companies = container.store, documents(container)
    degrees = Counter(node for company in companies for node in node_ids(company))
    pairs = Counter(
        pair for company in companies for pair in pairs_of(("", node) for node in node_ids(company))
    )
    assert store.tally("Company") == len(companies)
    assert {node: store.degree(node) for node in degrees} == degrees
    assert {pair: store.pair_degree(*pair) for pair in pairs} == pairs
    for collection in ("Country", "State", "City", "Industry"):
        assert store.tally(collection) == len([n for n in degrees if n.startswith(f"{collection}/")]), (
            collection
        )
    assert store.company_bodies([f"Company/{c['id']}" for c in companies]) == {
        f"Company/{c['id']}": company_json(store.get_company(c["id"])) for c in companies
    }, "each company's body is its document as clients read it"
