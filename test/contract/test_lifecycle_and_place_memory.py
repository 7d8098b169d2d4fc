"""Place memory and lifecycle, on every store: places resolved before come back as they were
remembered, the generation moves with every commit, the operator's repairs find what they
look for."""

from __future__ import annotations

import time
from datetime import timedelta

from main.bootstrap import Container
from main.schema.loading import load_event
from main.service.model import Place
from test.helpers import company_event


def test_places_remembered_are_known_by_their_query(container: Container) -> None:
    berlin = Place("DE", "Germany", "DE-BE", "Berlin", "DE-berlin", "Berlin", 52.5, 13.4, None)
    container.store.remember_places({"berlin": berlin, "nowhere": Place(raw="nowhere")})
    assert container.store.known_places(["berlin", "nowhere", "elsewhere"]) == {
        "berlin": berlin,
        "nowhere": Place(raw="nowhere"),
    }


def test_the_generation_moves_with_each_commit(container: Container) -> None:
    store = container.store
    store.ping()
    assert isinstance(store.schema_version(), int)
    before = store.generation()
    container.sync.apply_batch([load_event(company_event(company_id="a", name="A"))])
    assert store.generation() != before


def test_repairs_find_raw_locations_and_late_versions(container: Container) -> None:
    events = [
        company_event(
            company_id="raw", occurred_at="2026-01-01T00:00:00Z", location="Atlantis Under The Sea"
        ),
        company_event(company_id="placed", occurred_at="2026-01-01T00:00:00Z", location="Berlin"),
        company_event(company_id="late", name="Late", occurred_at="2031-01-01T00:00:00Z"),
    ]
    container.sync.apply_batch([load_event(event) for event in events])
    assert container.store.raw_located(10) == [("RAW", "Atlantis Under The Sea")]
    assert [key for key, _ in container.store.versioned_after("2030-01-01T00:00:00Z")] == ["LATE"]
    assert container.store.forget_applied(timedelta(days=1)) == 0
    time.sleep(0.01)  # applied_at has millisecond steps
    assert container.store.forget_applied(timedelta(0)) == 3, "dated events are forgotten"
