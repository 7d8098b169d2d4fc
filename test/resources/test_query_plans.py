"""Every read the store makes walks an index: no plan scans the node or edge tables, none sorts them.

The store is the demo data; each read the API makes is recorded with its parameters
and explained by SQLite itself (EXPLAIN QUERY PLAN).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import orjson
import pytest

from main.controller.cli import DEMO_FILE
from main.resources.sqlite.store import SqliteGraphStore
from main.schema.intake import accept_raw
from main.schema.loading import load_event
from main.service.changes import build_change
from main.service.graph_writer import GraphWriter
from main.service.listing import Listing
from main.service.model import SearchQuery, Window
from main.service.related import Neighbours
from test.helpers import company_event
from test.service.fakes import FakeGeocoder

# Tables a plan may never walk whole, by name or by the aliases the store gives them
WHOLE_TABLES = ("node", "edge", "node_degree", "place_industry", "place_industry_degree", "n", "e", "c", "d")


@pytest.fixture
def demo_store(container) -> Iterator[SqliteGraphStore]:
    container.sync.apply_batch(
        [accept_raw(line, container.skew).event for line in DEMO_FILE.read_text().splitlines()]
    )
    yield container.store


def recorded(store: SqliteGraphStore, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple]]:
    statements: list[tuple[str, tuple]] = []
    for name in ("_all", "_one"):
        real = getattr(store, name)

        def recording(sql, params, real=real):
            statements.append((sql, tuple(params)))
            return real(sql, params)

        monkeypatch.setattr(store, name, recording)
    return statements


def every_read(store: SqliteGraphStore) -> None:
    company = orjson.loads(Listing(store).search(SearchQuery(country="US")).items[0])["id"]
    store.get_company(company)
    for query in (
        SearchQuery(),
        SearchQuery(q="in"),
        SearchQuery(q="zzzz"),
        SearchQuery(country="US"),
        SearchQuery(industry="software"),
        SearchQuery(city="US-CA-santa-clara"),
        SearchQuery(country="US", industry="software"),
        SearchQuery(country="US", industry="software", city="US-CA-santa-clara"),
        SearchQuery(country="US", industry="software", window=Window(5, after=("M", "Company/Z"))),
        SearchQuery(city="US-CA-santa-clara", industry="software", window=Window(5, offset=5)),
        SearchQuery(q="inc", country="US", industry="software"),
        SearchQuery(q="inc", city="US-CA-santa-clara", window=Window(5, after=(3,))),
        SearchQuery(q="international", industry="software"),
        SearchQuery(window=Window(5, offset=40)),
        SearchQuery(country="US", window=Window(5, after=("M", "Company/Z"))),
        SearchQuery(q="inc", window=Window(5, after=(100,))),
    ):
        Listing(store).search(query)
    Neighbours(store).related(company, 20)
    Neighbours(store).neighbourhood(company, 1, 50)
    Neighbours(store).neighbourhood(company, 2, 50)
    for collection in ("Country", "City", "Industry"):
        Listing(store).places(collection, Window(20))
        Listing(store).places(collection, Window(20, after=(3, f"{collection}/x")))
    Listing(store).place_companies("Country", "US", Window(20))
    Listing(store).place_companies("Country", "US", Window(20, after=("M", "Company/Z")))


def test_no_read_scans_or_sorts_a_whole_table(demo_store: SqliteGraphStore, monkeypatch) -> None:
    statements = recorded(demo_store, monkeypatch)
    every_read(demo_store)
    assert len(statements) > 30
    connection = demo_store.connections.get()
    for sql, params in statements:
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
        for step in plan:
            assert not any(
                step == f"SCAN {table}" or step.startswith(f"SCAN {table} ") for table in WHOLE_TABLES
            ), (
                sql,
                plan,
            )
            assert "TEMP B-TREE" not in step or ("json_each" in sql and "ORDER BY id" in sql), (sql, plan)
        if "> (?, ?)" in sql or "< (?, ?)" in sql or ">= ?" in sql:
            assert any(">" in step or "<" in step for step in plan if step.startswith("SEARCH")), (
                "a page after a cursor must seek to it, not walk from the start",
                sql,
                plan,
            )


def test_no_trigger_scans_or_sorts_a_whole_table(demo_store: SqliteGraphStore) -> None:
    """What a write costs must not grow with a hub: each statement a trigger runs on a write
    (counts, pairs, the word index) seeks its rows by key."""
    connection = demo_store.connections.get()
    bodies = [row[0] for row in connection.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")]
    statements = [
        statement.strip()
        for body in bodies
        for statement in re.search(r"\bBEGIN\b(.*)\bEND\s*$", body, re.S | re.I).group(1).split(";")
        if statement.strip()
    ]
    assert len(statements) >= 4
    for statement in statements:
        unbound = re.sub(r"\b(new|old)\.\w+", "NULL", statement, flags=re.I)
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {unbound}")]
        for step in plan:
            assert not step.startswith("SCAN") or "VIRTUAL TABLE" in step, (statement, plan)
            assert "TEMP B-TREE" not in step, (statement, plan)


def test_no_write_scans_or_sorts_a_whole_table(demo_store: SqliteGraphStore) -> None:
    """What a batch costs must not grow with a hub: each statement a unit of work runs (its
    reads, the plan's writes) seeks its rows by key. Traced as SQLite runs them, values bound."""
    connection = demo_store.connections.get()
    traced: list[str] = []
    connection.set_trace_callback(traced.append)
    companies = [orjson.loads(c) for c in Listing(demo_store).search(SearchQuery(window=Window(30))).items]
    events = [
        company_event("company-updated", company_id=c["id"], name=f"Renamed {n}", location="Berlin")
        for n, c in enumerate(companies[:10])
    ] + [company_event("company-deleted", company_id=c["id"]) for c in companies[10:20]]
    GraphWriter(demo_store).apply(
        [build_change(load_event(e), FakeGeocoder.PLACES["berlin"]) for e in events]
    )
    connection.set_trace_callback(None)
    statements = [sql for sql in traced if sql.split()[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE")]
    assert {sql.split()[0].upper() for sql in statements} == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    for sql in dict.fromkeys(statements):
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}")]
        for step in plan:
            assert not any(
                step == f"SCAN {table}" or step.startswith(f"SCAN {table} ") for table in WHOLE_TABLES
            ), (sql, plan)
            assert "TEMP B-TREE" not in step, (sql, plan)
