"""The SQLite graph store: queries, atomicity, concurrency settings and outages, on real files."""

from __future__ import annotations

import json
import math
import random
import sqlite3
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from main.bootstrap import build_store
from main.controller.cli import DEMO_FILE
from main.resources.sqlite.connection import MMAP_BYTES, SqliteConnections, sqlite_path
from main.resources.sqlite.schema import MIGRATIONS, _company_bodies
from main.resources.sqlite.store import SqliteGraphStore
from main.schema.intake import accept_raw
from main.schema.loading import load_event
from main.service import paging
from main.service import related as neighbours
from main.service.changes import build_change, location_write
from main.service.company_json import company_json
from main.service.errors import Unavailable
from main.service.graph_writer import GraphWriter
from main.service.listing import Listing
from main.service.model import Event, Outcome, Page, SearchQuery, Window
from main.service.related import Neighbours
from main.service.sync import SyncService
from main.util.config import ConfigError, Settings
from test.helpers import GenerationBlind, as_written_by, company_event, random_history, write_lock_held
from test.service.fakes import FakeGeocoder


def ids(page: Page | None) -> list[str]:
    """The ids of a page of companies, each as clients read it."""
    assert page is not None
    return [orjson.loads(company)["id"] for company in page.items]


def add(
    sync: SyncService, company_id: str, name: str, location: str = "", industry: object = "Software"
) -> None:
    sync.apply(
        load_event(company_event(company_id=company_id, name=name, location=location, industry=industry))
    )


def test_search_matches_the_starts_of_words_in_the_name(sync, store) -> None:
    add(sync, "a", "Globex Corporation")
    add(sync, "b", "Initech")
    add(sync, "c", "Corporate Globe")
    assert Listing(store).search(SearchQuery(q="bex")).total == 0
    found = Listing(store).search(SearchQuery(q="GLOBEX corp"))
    assert ids(found) == ["A"] and found.total == 1


def test_search_with_a_short_query_still_matches(sync, store) -> None:
    add(sync, "a", "Q2 Holdings")
    add(sync, "b", "Initech")
    assert ids(Listing(store).search(SearchQuery(q="q2"))) == ["A"]
    assert Listing(store).search(SearchQuery(q="%")).total == 0


def test_search_filters_by_country_city_and_industry(sync, store) -> None:
    add(sync, "a", "Alpha", "Berlin", "Software")
    add(sync, "b", "Beta", "Berlin", "Banking")
    add(sync, "c", "Gamma", "Tel Aviv", "Software")
    assert ids(Listing(store).search(SearchQuery(country="DE"))) == ["A", "B"]
    assert ids(Listing(store).search(SearchQuery(country="DE", industry="software"))) == ["A"]
    assert ids(Listing(store).search(SearchQuery(city="IL-tel-aviv"))) == ["C"]


def test_search_pages_are_sorted_by_name_and_counted(sync, store) -> None:
    for number in range(7):
        add(sync, f"c{number}", f"Company {number}")
    page = Listing(store).search(SearchQuery(window=Window(per_page=3, offset=3)))
    assert [orjson.loads(c)["name"] for c in page.items] == ["Company 3", "Company 4", "Company 5"]
    assert (page.total, page.total_exact) == (7, True)


def test_related_companies_are_ranked_by_what_they_share(sync, store) -> None:
    add(sync, "me", "Me", "Berlin", "Software")
    add(sync, "city-and-industry", "Both", "Berlin", "Software")
    add(sync, "city-only", "City", "Berlin", "Banking")
    add(sync, "country-less", "Far", "Tel Aviv", "Banking")
    related = Neighbours(store).related("ME", 10)
    assert [orjson.loads(r["company"])["id"] for r in related] == ["CITY-AND-INDUSTRY", "CITY-ONLY"]
    assert related[0]["score"] > related[1]["score"]
    assert "Industry/software" in related[0]["shared"]


def test_related_says_when_there_is_no_such_company_and_a_company_linked_to_nothing_has_none(
    sync, store
) -> None:
    add(sync, "alone", "Alone Ltd", industry=[])
    add(sync, "other", "Other Ltd")
    assert Neighbours(store).related("ALONE", 20) == []
    assert Neighbours(store).related("NO-SUCH", 20) is None
    sync.apply(load_event(company_event("company-deleted", company_id="other")))
    assert Neighbours(store).related("OTHER", 20) is None


def test_a_depth_two_neighbourhood_reaches_companies_sharing_a_node(sync, store) -> None:
    add(sync, "me", "Me", "Berlin", "Software")
    add(sync, "other", "Other", "Tel Aviv", "Software")
    one = Neighbours(store).neighbourhood("ME", 1, 50)
    two = Neighbours(store).neighbourhood("ME", 2, 50)
    assert "Company/OTHER" not in {n["id"] for n in one.nodes}
    assert "Company/OTHER" in {n["id"] for n in two.nodes}
    assert {
        "key": "OTHER--industry--software",
        "kind": "industry",
        "from": "Company/OTHER",
        "to": "Industry/software",
    } in two.edges


def test_a_neighbourhood_says_when_it_was_cut(sync, store) -> None:
    for number in range(4):
        add(sync, f"c{number}", f"C{number}", "Berlin", "Software")
    graph = Neighbours(store).neighbourhood("C0", 2, 2)
    assert graph.truncated


def test_places_count_their_companies(sync, store) -> None:
    add(sync, "a", "A", "Berlin")
    add(sync, "b", "B", "Berlin")
    add(sync, "c", "C", "Tel Aviv")
    countries = Listing(store).places("Country", Window(10))
    assert [(c["key"], c["companies"]) for c in countries.items] == [("DE", 2), ("IL", 1)]
    assert ids(Listing(store).place_companies("Country", "DE", Window(10))) == ["A", "B"]
    assert Listing(store).place_companies("Country", "ZZ", Window(10)) is None


def test_a_batch_that_fails_leaves_nothing_behind(store) -> None:
    good = build_change(Event("e1", "company-created", "c1", {"id": "c1", "name": "Good"}), None)
    unstorable = build_change(Event("e2", "company-created", "c2", {"id": "c2", "tags": {"a set"}}), None)
    with pytest.raises(TypeError):
        GraphWriter(store).apply([good, unstorable])
    assert store.get_company("C1") is None
    assert GraphWriter(store).apply([good]) == [Outcome.APPLIED]


def test_a_locked_database_is_an_outage_not_an_error(settings, tmp_path: Path) -> None:
    store = SqliteGraphStore(settings.graph_url)
    try:
        with write_lock_held(store), pytest.raises(Unavailable):
            GraphWriter(store).apply([])
    finally:
        store.close()


def test_the_file_uses_wal_and_survives_reopening(settings, sync, store) -> None:
    add(sync, "a", "Kept")
    store.close()
    reopened = SqliteGraphStore(settings.graph_url)
    assert reopened.get_company("A")["name"] == "Kept"
    assert reopened.connections.get().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reopened.close()


def test_only_sqlite_urls_are_accepted() -> None:
    with pytest.raises(ValueError, match="not a SQLite URL"):
        sqlite_path("postgres://x/y")
    with pytest.raises(ValueError, match="not a SQLite URL"):
        sqlite_path("sqlite://srv/graph.db")
    assert sqlite_path("sqlite:////srv/graph.db") == Path("/srv/graph.db")
    assert sqlite_path("sqlite:///var/graph.db") == Path("var/graph.db")
    assert sqlite_path("sqlite:///var/graph.db?mmap_size=0") == Path("var/graph.db")


def test_a_url_may_turn_the_files_memory_map_off_and_names_what_it_does_not_know(tmp_path: Path) -> None:
    def mapped(url: str) -> int:
        store = build_store(Settings(graph_url=url))
        try:
            return store.connections.get().execute("PRAGMA mmap_size").fetchone()[0]
        finally:
            store.close()

    assert mapped(f"sqlite:///{tmp_path}/g.db") == MMAP_BYTES
    assert mapped(f"sqlite:///{tmp_path}/g.db?mmap_size=0") == 0
    for url, says in (("?mmap=0", "unknown SQLite option mmap"), ("?mmap_size=big", "a number of bytes")):
        with pytest.raises(ConfigError, match=says):
            build_store(Settings(graph_url=f"sqlite:///{tmp_path}/g.db{url}"))


def test_every_thread_gets_its_own_connection(tmp_path: Path) -> None:
    import threading

    connections = SqliteConnections(tmp_path / "g.db")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(connections.get()))
    thread.start()
    thread.join()
    assert seen[0] is not connections.get()
    connections.close()


def test_a_new_file_held_by_another_starting_process_is_waited_for(tmp_path: Path) -> None:
    """Two uWSGI workers (or an API and a sync worker) create the graph file at the same moment:
    the second to arrive waits for the first's migration instead of failing its start."""
    path = tmp_path / "graph.db"
    first = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    first.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, first.execute, ("COMMIT",)).start()
    started = time.monotonic()
    second = SqliteConnections(path)
    assert time.monotonic() - started >= 0.25
    assert second.get().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    second.close()
    first.close()


def test_forgotten_applied_events_delivered_again_change_nothing(sync, store) -> None:
    dated = [
        company_event(
            company_id=f"d-{n}", event_id=f"dated-{n}", occurred_at="2026-01-01T00:00:00Z", name="Old"
        )
        for n in range(7)
    ]
    undated = company_event(company_id="u-1", event_id="undated-1", name="Undated")
    for body in [*dated, undated]:
        sync.apply(load_event(body))
    conn = store.connections.get()
    conn.execute("UPDATE applied_event SET applied_at = '2026-01-02T00:00:00.000Z'")
    recent = company_event(
        company_id="d-0", event_id="recent", occurred_at="2026-02-01T00:00:00Z", name="New"
    )
    sync.apply(load_event(recent))

    assert store.forget_applied(timedelta(days=30), batch=3) == 7

    left = {row[0] for row in conn.execute("SELECT event_id FROM applied_event")}
    assert left == {"undated-1", "recent"}
    assert sync.apply(load_event(dated[0])) is Outcome.STALE
    assert store.get_company("D-0")["name"] == "New"
    assert sync.apply(load_event(undated)) is Outcome.DUPLICATE


def test_related_ranks_as_a_brute_force_idf_ranking_of_the_demo_data(container) -> None:
    """Every company scored on everything it shares, weighted log((N + 1) / n): the store's
    bounded candidate search must find the same top 20 for every demo company."""
    container.sync.apply_batch(
        [accept_raw(line, container.skew).event for line in DEMO_FILE.read_text().splitlines()]
    )
    store = container.store
    edges = store._all("SELECT from_id, to_id FROM edge", ())
    holders: dict[str, set[str]] = {}
    links: dict[str, set[str]] = {}
    for company, target in edges:
        holders.setdefault(target, set()).add(company)
        links.setdefault(company, set()).add(target)
    total = store._all("SELECT count(*) FROM node WHERE collection = 'Company'", ())[0][0]
    weight = {t: math.log((total + 1) / len(c)) for t, c in holders.items()}
    for centre in sorted(links)[:60]:
        scores = {}
        for target in links[centre]:
            for other in holders[target] - {centre}:
                scores[other] = scores.get(other, 0.0) + weight[target]
        expected = sorted(scores.items(), key=lambda item: (-round(item[1], 6), item[0]))[:20]
        found = Neighbours(store).related(centre.partition("/")[2], 20)
        assert [("Company/" + orjson.loads(r["company"])["id"], r["score"]) for r in found] == [
            (company, round(score, 6)) for company, score in expected
        ], centre


def test_related_with_drawn_candidates_ranks_each_candidate_on_its_own(container, monkeypatch) -> None:
    """Where hubs hold more than a node's draw (PER_NODE 5, 12 candidates in all), related and
    depth-2 graphs rank as the rule reads: draw the first companies by name of the rarest
    nodes, score each candidate on everything it shares, sort by score then id."""
    monkeypatch.setattr(neighbours, "PER_NODE", 5)
    monkeypatch.setattr(neighbours, "CANDIDATES", 12)
    container.sync.apply_batch(
        [accept_raw(line, container.skew).event for line in DEMO_FILE.read_text().splitlines()]
    )
    store = container.store
    read = store._all
    total = read("SELECT count(*) FROM node WHERE collection = 'Company'", ())[0][0]

    def ranking(centre: str) -> list[tuple[str, float, list[str]]]:
        held = read(
            "SELECT e.to_id, (SELECT count(*) FROM edge h WHERE h.to_id = e.to_id) FROM edge e"
            " WHERE e.from_id = ?",
            (centre,),
        )
        weight = {target: math.log((total + 1) / n) for target, n in held}
        first = "SELECT from_id FROM edge WHERE to_id = ? AND from_id <> ? ORDER BY sort, from_id LIMIT ?"
        drawn: list[str] = []
        for target, _ in sorted(held, key=lambda item: (item[1], item[0])):
            room = min(5, 12 - len(drawn))
            drawn += [row[0] for row in read(first, (target, centre, max(room, 0)))]
        scored = []
        for company in set(drawn):
            shared = [row[0] for row in read("SELECT to_id FROM edge WHERE from_id = ?", (company,))]
            shared = [target for target in shared if target in weight]
            scored.append((company, round(sum(weight[t] for t in shared), 6), sorted(shared)))
        return sorted(scored, key=lambda item: (-item[1], item[0]))

    centres = [row[0] for row in read("SELECT id FROM node WHERE collection = 'Company' ORDER BY id", ())]
    ranking_of = Neighbours(store)
    for centre in centres[::7]:
        expected = ranking(centre)
        key = centre.partition("/")[2]
        assert [
            ("Company/" + orjson.loads(r["company"])["id"], r["score"], r["shared"])
            for r in ranking_of.related(key, 20)
        ] == [*expected[:20]], centre
        graph = ranking_of.neighbourhood(key, 2, 3)
        for target, *_ in read("SELECT to_id FROM edge WHERE from_id = ?", (centre,)):
            best = [company for company, _, shared in expected if target in shared][:3]
            shown = [e["from"] for e in graph.edges if e["to"] == target and e["from"] != centre]
            assert shown[: len(best)] == best, (centre, target)


def test_hubs_kept_between_requests_change_no_answer_and_follow_changes(container, monkeypatch) -> None:
    """With hubs of the demo data made small enough to be kept (PER_NODE 5), related lists and
    depth-2 graphs are what a store keeping nothing answers, on the first request and on the
    next, and again after a company joins a hub."""
    monkeypatch.setattr(neighbours, "PER_NODE", 5)
    monkeypatch.setattr(neighbours, "CANDIDATES", 12)
    container.sync.apply_batch(
        [accept_raw(line, container.skew).event for line in DEMO_FILE.read_text().splitlines()]
    )
    store = container.store
    read = store._all
    centres = [row[0] for row in read("SELECT key FROM node WHERE collection = 'Company' ORDER BY key", ())][
        :40
    ]

    keeping, keeping_nothing = Neighbours(store), Neighbours(GenerationBlind(store))

    def kept_nothing(key: str) -> tuple[list, object]:
        return keeping_nothing.related(key, 20), keeping_nothing.neighbourhood(key, 2, 50)

    def kept(key: str) -> tuple[list, object]:
        return keeping.related(key, 20), keeping.neighbourhood(key, 2, 50)

    for _ in range(2):
        assert [kept(key) for key in centres] == [kept_nothing(key) for key in centres]
    assert keeping.kept.current("hubs")[0].answers, "the demo data's hubs were kept"
    city, member = read(
        "SELECT e.to_id, e.from_id FROM edge e JOIN node_degree d ON d.id = e.to_id"
        " WHERE d.collection = 'City' ORDER BY d.companies DESC, e.sort LIMIT 1",
        (),
    )[0]
    in_the_hub = member.partition("/")[2]
    location = store.get_company(in_the_hub)["location"]
    for commit in joining_from_this_thread_then_another(container, location):
        before = kept(in_the_hub)
        commit()
        after = kept(in_the_hub)
        assert after == kept_nothing(in_the_hub) and after != before, city
    assert [kept(key) for key in centres] == [kept_nothing(key) for key in centres]


@pytest.mark.parametrize("seed", range(3))
def test_companies_linked_to_the_same_hubs_share_a_kept_list_but_never_list_themselves(
    sync, store, monkeypatch, seed
) -> None:
    """Eight companies linked to the same four hubs (PER_NODE 5), asked in any order: the
    list kept for their nodes serves those drawn from no hub, and each of the five first by
    name, drawn from every hub, gets its own list, which leaves it out, as a store keeping
    nothing answers."""
    monkeypatch.setattr(neighbours, "PER_NODE", 5)
    monkeypatch.setattr(neighbours, "CANDIDATES", 12)
    for number in range(1, 9):
        add(sync, f"co-{number}", f"Co {number}", "Berlin")
    add(sync, "far", "Far", "Tel Aviv")
    keys = [f"CO-{number}" for number in range(1, 9)]
    random.Random(seed).shuffle(keys)
    keeping = Neighbours(store)
    found = {key: keeping.related(key, 20) for key in keys}
    assert found == {key: Neighbours(GenerationBlind(store)).related(key, 20) for key in keys}
    assert all(key not in {orjson.loads(r["company"])["id"] for r in found[key]} for key in keys)
    assert len(keeping.kept.current("lists")[0].answers) == 1


def test_a_company_drawn_from_any_hub_it_links_to_gets_its_own_list(sync, store, monkeypatch) -> None:
    """Three companies of Berlin in media (PER_NODE 5, four nodes drawn): Berlin's first five
    are others, media's first five hold all three, so none is served a list kept for their
    nodes (the third node's draw would list the company asking)."""
    monkeypatch.setattr(neighbours, "PER_NODE", 5)
    monkeypatch.setattr(neighbours, "CANDIDATES", 20)
    for number in range(1, 6):
        add(sync, f"aa-{number}", f"Aa {number}", "Berlin", "Banking")
    for number in range(1, 7):
        add(sync, f"zz-{number}", f"Zz {number}", "Tel Aviv", "Media")
    keys = [f"CO-{number}" for number in range(1, 4)]
    for key in keys:
        add(sync, key, key.replace("-", " ").title(), "Berlin", "Media")
    keeping = Neighbours(store)
    for key in [*keys, *reversed(keys)]:
        assert keeping.related(key, 20) == Neighbours(GenerationBlind(store)).related(key, 20), key


@pytest.mark.parametrize("seed", range(6))
def test_a_related_list_that_stops_drawing_early_is_the_list_of_the_whole_draw(
    sync, store, monkeypatch, seed
) -> None:
    """Companies in three cities (or, every other seed, none), each in a few of eight or
    twelve niche industries (PER_NODE 5, so a niche of up to six is drawn whole, and niches
    of one size weigh the same): every company's related list, at every length from 1 to 6,
    is the list drawn from all of its nodes, ties at the cut included."""
    monkeypatch.setattr(neighbours, "PER_NODE", 5)
    monkeypatch.setattr(neighbours, "CANDIDATES", 12)
    rng = random.Random(seed)
    niches = [f"Niche {n}" for n in range((8, 12)[seed % 2])]
    cities = ["Berlin", "Tel Aviv", "Santa Clara", *[""] * (seed % 2)]
    for number in range(40):
        industries = rng.sample(niches, rng.randint(1, (3, 2)[seed % 2]))
        city = rng.choice(cities)
        add(sync, f"co-{number}", f"Co {number:02d}", city, industries)
    keeping = Neighbours(store)

    def whole_draw(key: str, limit: int) -> list[dict]:
        centre = f"Company/{key}"
        return keeping._listed(keeping.ranked(centre, keeping.shared_nodes(centre)).top(limit))

    keys = [f"CO-{number}" for number in range(40)]
    rng.shuffle(keys)
    for key in keys:
        for limit in range(1, 7):
            assert keeping.related(key, limit) == whole_draw(key, limit), (key, limit)


def joining_from_this_thread_then_another(container, location: str) -> list:
    """Two commits of a company named to come first, in `location`: one on this thread's
    connection (whose data_version its own commits do not move), one on another thread's,
    as the in-process bus's worker commits."""

    def here() -> None:
        joining = company_event(company_id="AAA-JOINS", name="Aaa Inc Joins", location=location)
        container.sync.apply_batch([load_event(joining)])

    def elsewhere() -> None:
        second = company_event(company_id="AAA-ALSO", name="Aaa Inc Also", location=location)
        writer = threading.Thread(target=container.sync.apply_batch, args=([load_event(second)],))
        writer.start()
        writer.join()

    return [here, elsewhere]


def test_pages_by_number_from_kept_anchors_are_the_pages_of_a_store_keeping_nothing(
    container, monkeypatch
) -> None:
    """With an anchor every 3 items, every page by number of every kind of list (a hub, all
    companies, words, a place's companies, cities and countries) is the page a store keeping
    nothing gives, on the first request and the next, and again after companies join them."""
    monkeypatch.setattr(paging, "ANCHOR_EVERY", 3)
    container.sync.apply_batch(
        [accept_raw(line, container.skew).event for line in DEMO_FILE.read_text().splitlines()]
    )
    store = container.store
    keeping, forgetting = Listing(store), Listing(GenerationBlind(store))
    queries = [
        SearchQuery(),
        SearchQuery(country="US"),
        SearchQuery(q="in"),
        SearchQuery(industry="software"),
    ]

    def every_page(kept: bool, deepest_first: bool = False) -> list:
        listing = keeping if kept else forgetting
        offsets = range(0, 4 * 100, 4)
        pages = [
            listing.search(replace(query, window=Window(4, offset)))
            for query in queries
            for offset in (reversed(offsets) if deepest_first else offsets)
        ]
        pages += [listing.place_companies("Country", "US", Window(4, offset)) for offset in offsets]
        pages += [
            listing.places(collection, Window(2, offset // 2))
            for collection in ("City", "Country")
            for offset in offsets
        ]
        return pages

    # deepest first: each anchor found from the start, not from the one before it
    assert every_page(kept=True, deepest_first=True) == every_page(kept=False, deepest_first=True)
    for _ in range(2):
        assert every_page(kept=True) == every_page(kept=False)
    assert keeping.kept.current("lists")[0].answers, "anchors were kept"
    location = orjson.loads(keeping.search(SearchQuery(country="US")).items[0])["location"]
    for commit in joining_from_this_thread_then_another(container, location):
        before = every_page(kept=True)
        commit()
        after = every_page(kept=True)
        assert after == every_page(kept=False) and after != before


def test_counts_follow_moves_and_deletes(sync, store) -> None:
    add(sync, "a", "A", "Berlin")
    add(sync, "b", "B", "Tel Aviv")
    sync.apply(load_event(company_event("company-updated", "a", location="Tel Aviv")))
    assert [(c["key"], c["companies"]) for c in Listing(store).places("Country", Window(10)).items] == [
        ("IL", 2)
    ]
    assert Listing(store).places("Country", Window(10)).total == 1
    sync.apply(load_event(company_event("company-deleted", "b")))
    assert Listing(store).place_companies("Country", "IL", Window(10)).total == 1
    assert Listing(store).search(SearchQuery()).total == 1


def link_sets_of_edges(store: SqliteGraphStore) -> dict[str, set[frozenset[str] | None]]:
    """For each company, the link sets its edges carry (one, naming its edges, when right)."""
    found: dict[str, set[frozenset[str] | None]] = {}
    for company, targets in store._all(
        "SELECT e.from_id, s.targets FROM edge e LEFT JOIN link_set s ON s.id = e.links", ()
    ):
        found.setdefault(company, set()).add(None if targets is None else frozenset(json.loads(targets)))
    return found


def edges_of(store: SqliteGraphStore) -> dict[str, set[frozenset[str]]]:
    found: dict[str, set[str]] = {}
    for company, target in store._all("SELECT from_id, to_id FROM edge", ()):
        found.setdefault(company, set()).add(target)
    return {company: {frozenset(targets)} for company, targets in found.items()}


@pytest.mark.parametrize("seed", range(4))
def test_every_edge_carries_the_set_of_nodes_its_company_links_to(sync, store, seed) -> None:
    """Through creates, moves, industries added and dropped, deletes and companies created
    again, in any order, and a location resolved again: the link set on each edge (what
    related reads instead of each candidate's edges) is its company's edges now."""
    rng = random.Random(seed)
    places = ["Berlin", "Tel Aviv", "Santa Clara", "Nowhere", ""]
    industries = [["Software"], ["Software", "Banking"], [], ["Banking"], "Media"]
    events = []
    for number in range(12):
        key = f"L{number % 5}"
        kind = rng.choice(["company-created", "company-updated", "company-updated", "company-deleted"])
        data = {} if kind == "company-deleted" else {"industry": rng.choice(industries)}
        if kind != "company-deleted" and rng.random() < 0.7:
            data["location"] = rng.choice(places)
        stamp = f"2026-01-01T00:00:{number:02d}Z"
        events.append(company_event(kind, company_id=key, occurred_at=stamp, name=f"Co {number}", **data))
    rng.shuffle(events)
    for event in events:
        sync.apply(load_event(event))
    assert link_sets_of_edges(store) == edges_of(store)
    located = [orjson.loads(company) for company in Listing(store).search(SearchQuery()).items]
    for company in located:
        write = location_write(company["id"], company.get("location"), FakeGeocoder.PLACES["berlin"])
        sync.writer.relink(company["id"], company.get("location"), write)
    assert link_sets_of_edges(store) == edges_of(store)


def bodies_of(store: SqliteGraphStore) -> dict[str, bytes]:
    return dict(store._all("SELECT id, body FROM company_body", ()))


def documents_as_read(store: SqliteGraphStore) -> dict[str, bytes]:
    """Each company's document as company_json writes it for clients."""
    rows = store._all("SELECT id, props FROM node WHERE collection = 'Company'", ())
    return {company: company_json(orjson.loads(props)) for company, props in rows}


@pytest.mark.parametrize("seed", range(4))
def test_every_company_is_kept_as_clients_read_it_through_any_history(sync, store, seed) -> None:
    """Creates, partial updates, deletes and companies created again, in a shuffled order,
    then locations resolved again: each company's stored body (what a related list copies)
    is its document as clients read it, and a deleted company has none."""
    rng = random.Random(seed)
    events = random_history(rng, companies=5, length=40)
    rng.shuffle(events)
    deleted_last = company_event("company-deleted", "c0", "2026-01-02T00:00:00Z", "deleted-last")
    for event in [*events, deleted_last]:
        sync.apply(load_event(event))
    assert bodies_of(store) == documents_as_read(store)
    assert "Company/C0" not in bodies_of(store)
    for company in map(orjson.loads, Listing(store).search(SearchQuery()).items):
        write = location_write(company["id"], company.get("location"), FakeGeocoder.PLACES["berlin"])
        sync.writer.relink(company["id"], company.get("location"), write)
    assert bodies_of(store) == documents_as_read(store)
    assert {orjson.loads(body)["place"]["city"]["key"] for body in bodies_of(store).values()} == {"DE-berlin"}


def test_the_migrations_give_existing_edges_their_link_sets_and_companies_their_bodies(
    container, tmp_path: Path
) -> None:
    """A store written before edges carried link sets and companies their bodies answers the
    same related lists after the migrations as a store written since."""
    container.sync.apply_batch(
        [accept_raw(line, container.skew).event for line in DEMO_FILE.read_text().splitlines()]
    )
    store = container.store
    keys = [
        row[0] for row in store._all("SELECT key FROM node WHERE collection = 'Company' ORDER BY key", ())
    ]
    before = [Neighbours(store).related(key, 20) for key in keys[::5]]
    older = as_written_by(store.connections.path, MIGRATIONS.index(_company_bodies) - 1, tmp_path / "old.db")
    migrated = SqliteGraphStore(f"sqlite:///{older}")
    assert link_sets_of_edges(migrated) == edges_of(migrated)
    assert bodies_of(migrated) == documents_as_read(migrated)
    assert [Neighbours(migrated).related(key, 20) for key in keys[::5]] == before
