"""A whole graph read a range at a time, on every store: every company with a state once, in
the order first stored and then the deleted ones, whatever the range's size; every applied
event id and every remembered place once."""

from __future__ import annotations

import pytest

from main.bootstrap import Container
from main.schema.loading import load_event
from main.service.model import Place
from test.helpers import company_event


def everything(read, size: int) -> list:
    rows, after = read(None, size)
    found = list(rows)
    while after is not None:
        rows, after = read(after, size)
        found += rows
    return found


@pytest.fixture
def history(container: Container) -> Container:
    events = [
        company_event(company_id=f"k{n:02d}", name=f"Company {n}", location="Berlin") for n in (5, 3, 9, 1)
    ]
    events.append(company_event("company-deleted", company_id="k03"))
    events.append(company_event(company_id="k07", name="Seven", industry=["AI"]))
    for batch in (events[:2], events[2:]):
        container.sync.apply_batch([load_event(event) for event in batch])
    return container


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_company_keys_come_once_in_the_order_first_stored_then_the_deleted(history, size: int) -> None:
    store = history.store
    listed = everything(store.company_keys, size) + everything(store.deleted_company_keys, size)
    assert listed == ["K05", "K09", "K01", "K07", "K03"]


def test_a_company_is_read_with_its_state_versions_and_edges(history) -> None:
    stored = history.store.stored_companies(["K07", "K03", "NEVER"])
    assert stored["K07"].state.doc["name"] == "Seven"
    assert {target for _, target in stored["K07"].edges} == {"Industry/ai"}
    assert stored["K03"].state.doc is None and stored["K03"].state.tombstone is not None
    assert stored["NEVER"].state.doc is None and not stored["NEVER"].edges


@pytest.mark.parametrize("size", [1, 4, 100])
def test_applied_events_and_remembered_places_come_once_each(history, size: int) -> None:
    store = history.store
    applied = everything(store.applied_events, size)
    assert len(applied) == len({row[0] for row in applied}) == 6
    assert {row[1] for row in applied} == {"K05", "K03", "K09", "K01", "K07"}
    store.remember_places({f"place {n}": Place(raw=f"place {n}") for n in range(7)})
    places = dict(everything(store.remembered_places, size))
    assert {f"place {n}" for n in range(7)} <= set(places)
    assert places["place 3"] == Place(raw="place 3")
