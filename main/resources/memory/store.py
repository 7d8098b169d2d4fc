"""`GRAPH_URL=memory://`: the graph in this process's memory, for demos and fast tests.

The same storage primitives as SQLite's, from dictionaries and sorted lists, so the same
answers: lists by name compare names as SQLite's NOCASE does (ASCII letters folded),
word matches come in the order companies were first stored (an id given as SQLite gives
a row id: one more than the largest held), and counts move by the write plan's deltas.
Every read is a range of a sorted list or an intersection walked from its smallest
posting list, as SQLite's are. One lock serialises each unit of work (writes.py) and each
read; nothing survives the process.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sortedcontainers import SortedList

from main.resources.memory.writes import MAX_PREFIX, MemoryWriteUnit, nocase
from main.service.keys import COMPANY, node_id
from main.service.model import Place, Position
from main.service.ports import GraphStore, Ranged, Rows, WriteUnit, following
from main.service.versions import CompanyState
from main.service.write_plan import EdgeRef, Pair, StoredCompany


class MemoryGraphStore(GraphStore):
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.props: dict[str, str] = {}
        self.rowid: dict[str, int] = {}
        self.rowids: SortedList = SortedList()
        self.by_rowid: dict[int, str] = {}
        self.bodies: dict[str, bytes] = {}
        self.names: dict[str, str] = {}
        self.by_name: SortedList = SortedList()
        self.edges: dict[str, set[EdgeRef]] = defaultdict(set)
        self.links: dict[str, tuple[str, ...]] = {}
        self.by_node: dict[str, SortedList] = defaultdict(SortedList)
        self.by_pair: dict[Pair, SortedList] = defaultdict(SortedList)
        self.postings: dict[tuple[str, ...], SortedList] = defaultdict(SortedList)
        self.words: SortedList = SortedList()
        self.degrees: Counter[str] = Counter()
        self.by_size: dict[str, SortedList] = defaultdict(SortedList)
        self.pair_degrees: Counter[Pair] = Counter()
        self.tallies: Counter[str] = Counter()
        self.states: dict[str, CompanyState] = {}
        self.applied_log: dict[str, tuple[str, str, bool, datetime]] = {}
        self.places: dict[str, Place] = {}
        self.commits = 0

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[WriteUnit]:
        with self.lock:
            yield MemoryWriteUnit(self)

    def get_company(self, key: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.props.get(node_id(COMPANY, key))
        return orjson.loads(found) if found else None

    def companies_by_name(self, after: Position | None, size: int, skip: int) -> Rows:
        with self.lock:
            start = self.by_name.bisect_right((nocase(after[0]), after[1])) if after else 0
            rows = self.by_name[start + skip : start + skip + size]
            return [((self.names[node_id(COMPANY, key)], key), node_id(COMPANY, key)) for _, key in rows]

    def linked(self, target: str, after: Position | None, size: int, skip: int) -> Rows:
        with self.lock:
            return self._by_name(self.by_node.get(target), after, size, skip)

    def paired(self, place: str, industry: str, after: Position | None, size: int, skip: int) -> Rows:
        with self.lock:
            return self._by_name(self.by_pair.get((place, industry)), after, size, skip)

    def _by_name(self, entries: SortedList | None, after: Position | None, size: int, skip: int) -> Rows:
        if not entries:
            return []
        start = entries.bisect_right((nocase(after[0]), after[1])) if after else 0
        return [
            ((self.names[company], company), company)
            for _, company in entries[start + skip : start + skip + size]
        ]

    def matching(
        self, words: Sequence[str], targets: Sequence[str], after: Position | None, size: int, skip: int
    ) -> Rows:
        with self.lock:
            found = self._matches(words, targets, after[0] if after else 0, skip + size)[skip:]
            return [((rowid,), self.by_rowid[rowid]) for rowid in found]

    def count_matching(self, words: Sequence[str], targets: Sequence[str], limit: int) -> int:
        with self.lock:
            return len(self._matches(words, targets, 0, limit))

    def _matches(self, words: Sequence[str], targets: Sequence[str], after: int, limit: int) -> list[int]:
        """The first `limit` row ids past `after` in every clause (a clause: posting lists, any
        of which holds a match), walked from the clause with the fewest ids."""
        clauses = [self._clause(word) for word in words]
        if targets:
            clauses.append([self.postings.get(("target", *targets), SortedList())])
        if not clauses or not all(clauses):
            return []
        clauses.sort(key=lambda clause: sum(map(len, clause)))
        driver, others = clauses[0], clauses[1:]
        found: list[int] = []
        for rowid in heapq.merge(*(posting.irange(minimum=after + 1) for posting in driver)):
            if found and rowid == found[-1]:
                continue  # in two of the driver's lists
            if all(any(rowid in posting for posting in clause) for clause in others):
                found.append(rowid)
                if len(found) >= limit:
                    break
        return found

    def _clause(self, word: str) -> list[SortedList]:
        """A word of up to MAX_PREFIX letters, its prefix's list; a longer one, the lists of the
        names' words it starts."""
        if len(word) <= MAX_PREFIX:
            posting = self.postings.get(("prefix", word))
            return [posting] if posting else []
        started = self.words.irange(word, word + "\U0010ffff", inclusive=(True, False))
        return [self.postings[("word", each)] for each in started]

    def places_by_size(self, collection: str, after: Position | None, size: int, skip: int) -> Rows:
        with self.lock:
            entries = self.by_size.get(collection)
            if not entries:
                return []
            walk = entries.irange(maximum=after, inclusive=(True, False), reverse=True)
            rows = [entry for _, entry in zip(range(skip + size), walk, strict=False)][skip:]
            return [((companies, node), companies) for companies, node in rows]

    def tally(self, name: str) -> int:
        with self.lock:
            return self.tallies[name]

    def degree(self, target: str) -> int:
        with self.lock:
            return self.degrees[target]

    def pair_degree(self, place: str, industry: str) -> int:
        with self.lock:
            return self.pair_degrees[(place, industry)]

    def company_bodies(self, company_ids: Sequence[str]) -> dict[str, bytes]:
        with self.lock:
            return {company: self.bodies[company] for company in company_ids if company in self.bodies}

    def node_docs(self, node_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {node: orjson.loads(self.props[node]) for node in node_ids if node in self.props}

    def has_node(self, node_id: str) -> bool:
        with self.lock:
            return node_id in self.props

    def edges_of(self, node_id: str) -> list[tuple[str, str, int]]:
        with self.lock:
            return [
                (kind, target, self.degrees.get(target, 1))
                for kind, target in sorted(self.edges.get(node_id, ()))
            ]

    def drawn(self, target: str, count: int) -> list[tuple[str, Hashable]]:
        with self.lock:
            entries = self.by_node.get(target)
            return [(company, self.links[company]) for _, company in entries[:count]] if entries else []

    def link_sets(self, ids: Sequence[Hashable]) -> dict[Hashable, tuple[str, ...]]:
        """A link set's id is its tuple of nodes."""
        return {links: links for links in ids if isinstance(links, tuple)}

    def company_keys(self, after: str | None, limit: int) -> Ranged:
        """By row id, as SQLite lists them."""
        with self.lock:
            walked = self.rowids.irange(minimum=int(after or 0), inclusive=(False, True))
            companies = (rowid for rowid in walked if self.by_rowid[rowid].startswith(f"{COMPANY}/"))
            rowids = list(itertools.islice(companies, limit))
            keys = [self.by_rowid[rowid].partition("/")[2] for rowid in rowids]
        last = following(rowids, limit)
        return keys, last and str(last)

    def deleted_company_keys(self, after: str | None, limit: int) -> Ranged:
        with self.lock:
            gone = (key for key in self.states if node_id(COMPANY, key) not in self.props)
            keys = sorted(key for key in gone if key > (after or ""))[:limit]
        return keys, following(keys, limit)

    def stored_companies(self, keys: Collection[str]) -> dict[str, StoredCompany]:
        with self.lock:
            return MemoryWriteUnit(self).companies(keys)

    def applied_events(self, after: str | None, limit: int) -> Ranged:
        with self.lock:
            rows = sorted(
                (event, key, outcome, dated)
                for event, (key, outcome, dated, _) in self.applied_log.items()
                if event > (after or "")
            )[:limit]
        last = following(rows, limit)
        return rows, last and last[0]

    def remembered_places(self, after: str | None, limit: int) -> Ranged:
        with self.lock:
            rows = sorted((query, place) for query, place in self.places.items() if query > (after or ""))
        rows = rows[:limit]
        last = following(rows, limit)
        return rows, last and last[0]

    def generation(self) -> object | None:
        return self.commits

    def schema_version(self) -> int:
        return 1

    def ping(self) -> None:
        """Memory always answers."""

    def known_places(self, queries: Sequence[str]) -> dict[str, Place]:
        with self.lock:
            return {query: self.places[query] for query in queries if query in self.places}

    def remember_places(self, places: Mapping[str, Place]) -> None:
        with self.lock:
            self.places.update(places)

    def raw_located(self, limit: int) -> list[tuple[str, Any]]:
        with self.lock:
            docs = [orjson.loads(self.props[node_id(COMPANY, key)]) for _, key in self.by_name]
        raw = [
            doc
            for doc in docs
            if doc.get("location") is not None and not (doc.get("place") or {}).get("country")
        ]
        return sorted((doc["id"], doc["location"]) for doc in raw)[:limit]

    def forget_applied(self, older_than: timedelta, batch: int = 5_000) -> int:
        cutoff = datetime.now(UTC) - older_than
        with self.lock:
            old = [event for event, (_, _, dated, at) in self.applied_log.items() if dated and at < cutoff]
            for event in old:
                del self.applied_log[event]
        return len(old)

    def versioned_after(self, ceiling: str) -> list[tuple[str, str]]:
        with self.lock:
            states = sorted(self.states.items())
        found = []
        for key, state in states:
            latest = max(
                state.tombstone.occurred_at if state.tombstone else "",
                max((v.occurred_at for v in state.versions.values()), default=""),
            )
            if latest > ceiling:
                found.append((key, latest))
        return found
