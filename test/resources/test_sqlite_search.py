"""SQLite's own search paths: a store its previous schema wrote, migrated, and long words
searched either way, answer as the brute-force reading of test/contract/test_lists.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from main.bootstrap import Container
from main.resources.sqlite import lists
from main.resources.sqlite.schema import MIGRATIONS, _filters_indexed
from main.resources.sqlite.store import SqliteGraphStore
from main.service.model import SearchQuery
from test.contract.test_lists import (
    HUB,
    assert_answers_as_brute_force,
    event,
    everything,
    history,
    matches,
    queries,
    stored,
)
from test.helpers import as_written_by


def test_a_store_written_before_filters_were_indexed_answers_as_one_written_since(
    container: Container, tmp_path: Path
) -> None:
    store = stored(container, history(11, companies=300))
    older = as_written_by(store.connections.path, MIGRATIONS.index(_filters_indexed), tmp_path / "old.db")
    migrated = SqliteGraphStore(f"sqlite:///{older}")
    companies = everything(store)
    for query in queries():
        expected = matches(companies, query)
        assert_answers_as_brute_force(migrated, query, expected)
        assert_answers_as_brute_force(store, query, expected)
    migrated.close()


def test_a_long_word_finds_what_the_words_it_starts_find_however_many_they_are(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word longer than the indexed prefixes is searched as the stored words it starts
    (lazily); past STARTED_WORDS_LIMIT of them, as a prefix FTS5 gathers: one answer."""
    events = history(5, companies=200)
    events += [
        event(
            1000 + n,
            "company-created",
            {"id": f"s{n}", "name": f"Supplier{n} Internals Ltd", "location": HUB[0]},
        )
        for n in range(70)
    ]
    store = stored(container, events)
    companies = everything(store)
    long_queries = [
        SearchQuery(q=q, country=country)
        for q in ("supplier", "supplier1", "supplier69", "internal", "internals", "internat", "suppliers")
        for country in (None, "US")
    ]
    for limit in (lists.STARTED_WORDS_LIMIT, 0):
        monkeypatch.setattr(lists, "STARTED_WORDS_LIMIT", limit)
        for query in long_queries:
            assert_answers_as_brute_force(store, query, matches(companies, query))
    assert len(matches(companies, SearchQuery(q="supplier"))) == 70
