"""Applying events: one transaction each, idempotent, ordered by occurredAt, rewiring edges."""

from __future__ import annotations

import random

import pytest

from main.resources.sqlite.store import SqliteGraphStore
from main.schema.loading import load_event
from main.service.model import Outcome
from main.service.related import Neighbours
from main.service.sync import SyncService
from test.helpers import company_event, random_history, snapshot


def apply(sync: SyncService, **kwargs: object) -> Outcome:
    return sync.apply(load_event(company_event(**kwargs)))


def edges_of(store: SqliteGraphStore, key: str) -> set[str]:
    return {e["to"] for e in Neighbours(store).neighbourhood(key, 1, 50).edges}


def test_a_created_company_is_linked_to_its_places_and_industries(sync, store) -> None:
    apply(sync, company_id="acme", location="Santa Clara, CA", industry=["Software", "AI"])
    assert edges_of(store, "ACME") == {
        "Country/US",
        "State/US-CA",
        "City/US-CA-santa-clara",
        "Industry/software",
        "Industry/ai",
    }
    company = store.get_company("ACME")
    assert company["place"]["city"]["key"] == "US-CA-santa-clara"
    assert [i["key"] for i in company["industries"]] == ["software", "ai"]


def test_ids_are_case_insensitive_and_stored_upper_case(sync, store) -> None:
    apply(sync, company_id="79e9d0f4-abc", name="Lower")
    assert store.get_company("79E9D0F4-ABC")["name"] == "Lower"


def test_replayed_event_changes_nothing(sync, store) -> None:
    body = company_event(company_id="acme", event_id="e-1", location="Berlin")
    assert sync.apply(load_event(body)) is Outcome.APPLIED
    before = Neighbours(store).neighbourhood("ACME", 1, 50)
    assert sync.apply(load_event(body)) is Outcome.DUPLICATE
    assert Neighbours(store).neighbourhood("ACME", 1, 50) == before


def test_an_event_without_id_is_recognised_when_replayed(sync) -> None:
    body = company_event(company_id="acme")
    assert sync.apply(load_event(body)) is Outcome.APPLIED
    assert sync.apply(load_event(body)) is Outcome.DUPLICATE


def test_an_older_event_after_a_newer_one_changes_nothing(sync, store) -> None:
    apply(sync, company_id="acme", name="New", location="Berlin", occurred_at="2026-11-22T10:00:00Z")
    outcome = apply(
        sync, company_id="acme", name="Old", location="Tel Aviv", occurred_at="2026-11-22T09:00:00Z"
    )
    assert outcome is Outcome.STALE
    assert store.get_company("ACME")["name"] == "New"
    assert "City/DE-berlin" in edges_of(store, "ACME")


def test_an_event_dated_before_the_year_1000_is_older_than_one_of_this_century(sync, store) -> None:
    apply(sync, company_id="acme", name="New", occurred_at="2026-11-22T10:00:00Z")
    outcome = apply(sync, company_id="acme", name="Ancient", occurred_at="0999-01-01T00:00:00Z")
    assert outcome is Outcome.STALE
    assert store.get_company("ACME")["name"] == "New"


def test_an_update_rewires_the_edges_that_no_longer_hold(sync, store) -> None:
    apply(sync, company_id="acme", location="Berlin", industry="Software", occurred_at="2026-01-01T00:00:00Z")
    apply(
        sync,
        event_type="company-updated",
        company_id="acme",
        location="Tel Aviv",
        occurred_at="2026-01-02T00:00:00Z",
    )
    assert edges_of(store, "ACME") == {"Country/IL", "City/IL-tel-aviv", "Industry/software"}


def test_a_partial_update_keeps_what_it_did_not_send(sync, store) -> None:
    apply(sync, company_id="acme", name="Acme", location="Berlin", employees=10)
    apply(sync, event_type="company-updated", company_id="acme", employees=20)
    company = store.get_company("ACME")
    assert (company["name"], company["employees"], company["place"]["city"]["key"]) == (
        "Acme",
        20,
        "DE-berlin",
    )


def test_a_delete_removes_the_company_and_its_edges(sync, store, changed) -> None:
    apply(sync, company_id="acme", location="Berlin")
    assert apply(sync, event_type="company-deleted", company_id="acme") is Outcome.DELETED
    assert store.get_company("ACME") is None
    assert Neighbours(store).neighbourhood("ACME", 1, 50).edges == []
    assert changed == ["ACME", "ACME"]


def test_deleting_an_unknown_company_is_a_no_op(sync) -> None:
    assert apply(sync, event_type="company-deleted", company_id="ghost") is Outcome.NOT_FOUND


def test_a_create_older_than_a_delete_does_not_resurrect(sync, store) -> None:
    apply(sync, event_type="company-deleted", company_id="acme", occurred_at="2026-05-01T00:00:00Z")
    apply(sync, company_id="acme", occurred_at="2026-04-01T00:00:00Z")
    assert store.get_company("ACME") is None


def test_the_same_place_in_one_batch_is_resolved_once(sync, geocoder) -> None:
    events = [load_event(company_event(location="Tel Aviv, Israel")) for _ in range(50)]
    assert set(sync.apply_batch(events)) == {Outcome.APPLIED}
    assert len(geocoder.calls) == 1


def test_an_unresolved_location_is_kept_raw_and_the_event_applied(sync, store) -> None:
    apply(sync, company_id="acme", location="Somewhere on the Moon")
    place = store.get_company("ACME")["place"]
    assert place["raw"] == "Somewhere on the Moon" and place["country"] is None
    assert edges_of(store, "ACME") == set()


def test_unknown_fields_are_kept_as_properties(sync, store) -> None:
    apply(sync, company_id="acme", ticker="ACME", tags=["b2b"])
    company = store.get_company("ACME")
    assert (company["ticker"], company["tags"]) == ("ACME", ["b2b"])


@pytest.mark.parametrize("seed", range(25))
def test_any_arrival_order_ends_with_the_graph_of_the_true_order(seed: int, new_container) -> None:
    rng = random.Random(seed)
    history = random_history(rng)
    graphs = []
    for order in (history, rng.sample(history, len(history)), history[::-1]):
        container = new_container()
        for event in order:
            container.sync.apply(load_event(event))
        graphs.append(snapshot(container.store))
    assert graphs[1] == graphs[0] and graphs[2] == graphs[0]


@pytest.mark.parametrize("seed", range(10))
def test_batches_holding_one_company_many_times_end_like_one_by_one(seed: int, new_container) -> None:
    """Two events of one company, or one event twice, in the same batch see each other."""
    rng = random.Random(seed)
    history = random_history(rng, companies=3, length=60)
    redelivered = rng.sample(history + rng.sample(history, 20), 80)
    graphs, outcomes = [], []
    for batch_size in (1, 7, 80):
        container = new_container()
        sync, store = container.sync, container.store
        events = [load_event(e) for e in (history if batch_size == 1 else redelivered)]
        results = []
        for start in range(0, len(events), batch_size):
            results += sync.apply_batch(events[start : start + batch_size])
        graphs.append(snapshot(store))
        outcomes.append(results.count(Outcome.DUPLICATE))
    assert graphs[1] == graphs[0] and graphs[2] == graphs[0]
    assert outcomes[1:] == [20, 20]
