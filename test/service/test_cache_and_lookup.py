"""In-process cache tiers: bounded staleness by TTL, invalidation by the process that changes."""

from __future__ import annotations

import threading

import pytest

from main.bootstrap import Container
from main.schema.loading import load_event
from main.service.cache import MISSING, LocalCache
from main.service.errors import NotFound
from main.service.lookup import CompanyLookup
from main.service.sync import SyncService
from test.helpers import GenerationBlind, company_event


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_expires_after_its_ttl() -> None:
    clock = Clock()
    cache = LocalCache(10, ttl=5, timer=clock)
    cache.set("k", "v")
    clock.now = 4.9
    assert cache.get("k") == "v"
    clock.now = 5.1
    assert cache.get("k") is MISSING
    assert (cache.hits, cache.misses) == (1, 1)


def test_the_cache_is_bounded_in_size() -> None:
    cache = LocalCache(3, ttl=60)
    for number in range(10):
        cache.set(number, number)
    assert len(cache) == 3


def test_none_is_a_value_and_rejected_values_are_not_kept() -> None:
    cache = LocalCache(10, ttl=60)
    cache.set("none", None)
    assert cache.get("none") is None
    assert cache.get_or_load("empty", lambda: [], cache_if=bool) == []
    assert cache.get("empty") is MISSING


@pytest.mark.parametrize("drop", ["clear", "delete"])
def test_a_fill_that_began_before_a_clear_or_a_delete_is_not_kept(drop: str) -> None:
    """With two request threads, one stored what it read just before a commit the other had
    already cleared the cache for: a 200 served after a delete until the TTL."""
    cache = LocalCache(maxsize=10, ttl=60)

    def read_then_another_thread_drops() -> str:
        getattr(cache, drop)(*(["k"] if drop == "delete" else []))
        return "read before the commit"

    assert cache.get_or_load("k", read_then_another_thread_drops) == "read before the commit"
    assert cache.get("k") is MISSING
    assert cache.get_or_load("k", lambda: "fresh") == "fresh"
    assert cache.get("k") == "fresh"


def test_concurrent_writers_do_not_corrupt_the_cache() -> None:
    cache = LocalCache(50, ttl=60)

    def hammer(offset: int) -> None:
        for number in range(2000):
            cache.set((offset, number % 100), number)
            cache.get((offset, number % 77))

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 50


@pytest.fixture
def wiring(container: Container) -> tuple[CompanyLookup, SyncService, Clock]:
    """A lookup on a clock of its own, told of every change the container's sync applies."""
    clock = Clock()
    lookup = CompanyLookup(container.store, LocalCache(100, 5, timer=clock), LocalCache(100, 5, timer=clock))
    container.sync.subscribe(lookup.invalidate)
    return lookup, container.sync, clock


def test_a_change_applied_in_this_process_is_seen_at_once(wiring) -> None:
    lookup, sync, _ = wiring
    sync.apply(load_event(company_event(company_id="acme", name="Old", occurred_at="2026-01-01T00:00:00Z")))
    assert lookup.get("acme")["name"] == "Old"
    sync.apply(load_event(company_event("company-updated", "acme", "2026-01-02T00:00:00Z", name="New")))
    assert lookup.get("ACME")["name"] == "New"


def test_a_change_made_elsewhere_is_seen_within_the_ttl_by_a_store_blind_to_changes(store, sync) -> None:
    clock = Clock()
    caches = LocalCache(100, 5, timer=clock), LocalCache(100, 5, timer=clock)
    lookup = CompanyLookup(GenerationBlind(store), *caches)
    elsewhere = sync  # which tells this lookup nothing
    elsewhere.apply(
        load_event(company_event(company_id="acme", name="Old", occurred_at="2026-01-01T00:00:00Z"))
    )
    assert lookup.get("acme")["name"] == "Old"
    elsewhere.apply(load_event(company_event("company-updated", "acme", "2026-01-02T00:00:00Z", name="New")))
    assert lookup.get("acme")["name"] == "Old"
    clock.now = 6
    assert lookup.get("acme")["name"] == "New"


def test_a_missing_company_is_not_cached(wiring) -> None:
    lookup, sync, _ = wiring
    with pytest.raises(NotFound):
        lookup.get("late")
    sync.apply(load_event(company_event(company_id="late")))
    assert lookup.get("late")["id"] == "LATE"


def test_an_id_no_graph_key_can_hold_is_simply_not_found(wiring) -> None:
    lookup, _, _ = wiring
    with pytest.raises(NotFound):
        lookup.get("a/b")
