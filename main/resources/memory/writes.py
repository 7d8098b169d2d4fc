"""A unit of work on the in-memory store: what a batch's plan needs read, and the plan written
into the store's dictionaries and sorted lists (the store's lock held throughout), in the
order the plan's docstring gives, as SQLite's unit writes its tables.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import orjson

from main.service.keys import COMPANY, node_id
from main.service.ports import WriteUnit
from main.service.versions import CompanyState
from main.service.words import name_words
from main.service.write_plan import CompanyRow, StoredCompany, WritePlan, pairs_of

if TYPE_CHECKING:
    from main.resources.memory.store import MemoryGraphStore

_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Word prefixes held, as SQLite's word index holds them
MAX_PREFIX = 6


def nocase(name: str) -> str:
    """A name as SQLite's NOCASE collation compares it: ASCII letters folded, nothing else."""
    return name.translate(_ASCII_FOLD)


def _terms(name: str, links: Sequence[str]) -> set[tuple[str, ...]]:
    """What a company is found by: its name's words and their prefixes, its nodes and pairs."""
    words = set(name_words(name))
    terms: set[tuple[str, ...]] = {("word", word) for word in words}
    terms.update(("prefix", word[:n]) for word in words for n in range(1, min(len(word), MAX_PREFIX) + 1))
    terms.update(("target", target) for target in links)
    terms.update(("target", *pair) for pair in pairs_of(("", target) for target in links))
    return terms


class MemoryWriteUnit(WriteUnit):
    def __init__(self, store: MemoryGraphStore) -> None:
        self.store = store

    def applied(self, event_ids: Sequence[str]) -> set[str]:
        return {event for event in event_ids if event in self.store.applied_log}

    def companies(self, keys: Sequence[str] | set[str]) -> dict[str, StoredCompany]:
        store = self.store
        found = {}
        for key in keys:
            company = node_id(COMPANY, key)
            state = store.states.get(key, CompanyState())
            document = store.props.get(company)
            found[key] = StoredCompany(
                CompanyState(
                    orjson.loads(document) if document else None, dict(state.versions), state.tombstone
                ),
                frozenset(store.edges.get(company, ())),
            )
        return found

    def degrees(self, targets: Sequence[str]) -> dict[str, int]:
        return {target: self.store.degrees[target] for target in targets}

    def save(self, plan: WritePlan) -> None:
        """The plan written in the order its docstring gives (the unit holds the lock)."""
        store = self.store
        # encoded as SQLite's store encodes them, and refused (TypeError) before any change
        documents = {row.id: json.dumps(row.doc) for row in plan.companies}
        documents |= {node.id: json.dumps(node.props) for node in plan.nodes}
        for pair in plan.pairs_dropped:
            store.by_pair[(pair.place, pair.industry)].remove((nocase(pair.name), pair.company))
        for company, kind, target in plan.edges_dropped:
            store.by_node[target].remove((nocase(store.names[company]), company))
            store.edges[company].discard((kind, target))
        for company in plan.deleted:
            self._forget(company)
        rows = {row.id: row for row in plan.companies}
        for node in plan.order:
            if node in rows:
                self._store_company(rows[node], documents[node])
            elif node in documents:
                self._store_node(node, documents[node])
        for company, kind, target in plan.edges_added:
            store.by_node[target].add((nocase(store.names[company]), company))
            store.edges[company].add((kind, target))
        for pair in plan.pairs_added:
            store.by_pair[(pair.place, pair.industry)].add((nocase(pair.name), pair.company))
        self._count(plan)
        for key, state in plan.versions.items():
            store.states[key] = CompanyState(None, dict(state.versions), state.tombstone)
        now = datetime.now(UTC)
        store.applied_log.update(
            (event, (key, outcome, dated, now)) for event, key, outcome, dated in plan.applied
        )
        store.commits += 1

    def _new_rowid(self, node: str) -> int:
        store = self.store
        rowid = store.rowids[-1] + 1 if store.rowids else 1
        store.rowids.add(rowid)
        store.rowid[node] = rowid
        store.by_rowid[rowid] = node
        return rowid

    def _store_node(self, node: str, document: str) -> None:
        store = self.store
        if node not in store.props:
            self._new_rowid(node)
        store.props[node] = document

    def _store_company(self, row: CompanyRow, document: str) -> None:
        store = self.store
        old_name, old_links = store.names.get(row.id), store.links.get(row.id)
        if old_name is None:
            rowid = self._new_rowid(row.id)
        else:
            rowid = store.rowid[row.id]
            self._index(rowid, _terms(old_name, old_links or ()), add=False)
            store.by_name.remove((nocase(old_name), row.key))
        if row.restamp:
            for _, target in store.edges[row.id]:
                store.by_node[target].remove((nocase(old_name or ""), row.id))
                store.by_node[target].add((nocase(row.name), row.id))
        store.props[row.id] = document
        store.names[row.id] = row.name
        store.links[row.id] = row.links
        store.by_name.add((nocase(row.name), row.key))
        self._index(rowid, _terms(row.name, row.links), add=True)
        if row.body is not None:
            store.bodies[row.id] = row.body

    def _forget(self, company: str) -> None:
        store = self.store
        rowid = store.rowid.pop(company)
        self._index(rowid, _terms(store.names[company], store.links[company]), add=False)
        store.by_name.remove((nocase(store.names[company]), company.partition("/")[2]))
        store.rowids.remove(rowid)
        del (
            store.by_rowid[rowid],
            store.props[company],
            store.names[company],
            store.links[company],
        )
        store.bodies.pop(company, None)
        store.edges.pop(company, None)

    def _index(self, rowid: int, terms: set[tuple[str, ...]], add: bool) -> None:
        store = self.store
        for term in terms:
            posting = store.postings[term]
            if add:
                posting.add(rowid)
                if term[0] == "word" and len(posting) == 1:
                    store.words.add(term[1])
            else:
                posting.discard(rowid)
                if not posting:
                    del store.postings[term]
                    if term[0] == "word":
                        store.words.discard(term[1])

    def _count(self, plan: WritePlan) -> None:
        store = self.store
        for target, delta in plan.degrees.items():
            collection, was = target.partition("/")[0], store.degrees[target]
            store.by_size[collection].discard((was, target))
            store.degrees[target] = was + delta
            if was + delta > 0:
                store.by_size[collection].add((was + delta, target))
        store.pair_degrees.update(plan.pair_degrees)
        store.tallies.update(plan.tally)
