"""A unit of work on ArangoDB: one stream transaction, what a batch's plan needs read, and the
plan written as a few AQL statements over arrays (never a request per document).

The counter-holding collections (the node collections' `companies`, `pair_count`,
`term_count`, `meta`) are taken exclusively at `begin`: batches queue for them instead of
meeting in a write-write conflict on a hub's count; a conflict that still happens is the
graph writer's to retry. Keys are functions of what documents are (documents.py), so a
batch replayed after a commit of unknown outcome meets its applied event ids and writes
nothing twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from main.resources.arango.documents import (
    APPLIED,
    EDGE_COLLECTIONS,
    META,
    NODE_COLLECTIONS,
    PAIR,
    PAIR_COUNT,
    POSTING,
    STATE_KEY,
    TERM_COUNT,
    VERSION,
    company_document,
    edge_collection,
    edge_key,
    hashed,
    ordered,
    pair_count_key,
    pair_key,
    posting_key,
    sort_key,
    terms_of,
)
from main.service.keys import COMPANY
from main.service.model import Version
from main.service.ports import WriteUnit
from main.service.versions import CompanyState
from main.service.write_plan import CompanyRow, StoredCompany, WritePlan

EXCLUSIVE = (*NODE_COLLECTIONS, PAIR_COUNT, TERM_COUNT, META)
SHARED = (COMPANY, *EDGE_COLLECTIONS, PAIR, POSTING, VERSION, APPLIED)

APPLIED_IN = "FOR a IN applied_event FILTER a._key IN @keys RETURN a.event"
STORED = """
FOR key IN @keys
  LET id = CONCAT('Company/', key)
  LET company = DOCUMENT('Company', key)
  LET version = DOCUMENT('company_version', key)
  LET edges = UNION(
    (FOR l IN locate FILTER l._from == id RETURN ['locate', l._to]),
    (FOR i IN industry FILTER i._from == id RETURN ['industry', i._to]))
  RETURN [key, company, version, edges]
"""
DEGREES = "FOR n IN DOCUMENT(@ids) RETURN [n._id, n.companies || 0]"
NODES_STORED = "FOR n IN DOCUMENT(@ids) RETURN n._id"
STATE = "RETURN DOCUMENT('meta', @key)"
REMOVE = "FOR key IN @keys REMOVE key IN @@collection OPTIONS {ignoreErrors: true}"
INSERT = "FOR d IN @docs INSERT d INTO @@collection OPTIONS {overwriteMode: 'replace'}"
# top-level attributes given are replaced, the others kept (a node's count, a row id given)
UPDATE = "FOR d IN @docs INSERT d INTO @@collection OPTIONS {overwriteMode: 'update', mergeObjects: false}"
RESTAMP = """
FOR r IN @rows
  FOR e IN @@edges
    FILTER e._from == r.id
    UPDATE e WITH {name: r.name, sort: r.sort, links: r.links} IN @@edges
"""
COUNT = """
FOR d IN @deltas
  UPSERT {_key: d._key}
  INSERT MERGE(d.init, {_key: d._key, [@attribute]: d.delta})
  UPDATE {[@attribute]: OLD[@attribute] + d.delta}
  IN @@collection
"""
EMPTY_TERMS = "FOR t IN term_count FILTER t._key IN @keys AND t.count <= 0 REMOVE t IN term_count"
APPLY = """
FOR a IN @rows
  INSERT MERGE(a, {at: DATE_ISO8601(DATE_NOW())}) INTO applied_event OPTIONS {overwriteMode: 'ignore'}
"""

Run = Callable[[str, dict[str, Any]], list]


class ArangoWriteUnit(WriteUnit):
    def __init__(self, run: Run) -> None:
        self.run = run
        self.saved = False
        # what each company read was stored as: (name, links, row id), for the word index
        self.held: dict[str, tuple[str, tuple[str, ...], int]] = {}

    def applied(self, event_ids: Sequence[str]) -> set[str]:
        return set(self.run(APPLIED_IN, {"keys": [hashed(event) for event in event_ids]}))

    def companies(self, keys: Collection[str]) -> dict[str, StoredCompany]:
        found = {key: StoredCompany() for key in keys}
        for key, company, version, edges in self.run(STORED, {"keys": sorted(keys)}):
            state = found[key].state
            if company is not None:
                state.doc = company["doc"]
                self.held[key] = (company["name"], tuple(company["links"]), company["seq"])
            if version is not None:
                state.versions = {name: Version(*v) for name, v in version["fields"].items()}
                state.tombstone = (
                    Version(version["occurred_at"], version["event_id"]) if version["deleted"] else None
                )
            found[key].edges = frozenset((kind, target) for kind, target in edges)
        return found

    def degrees(self, targets: Sequence[str]) -> dict[str, int]:
        return dict(self.run(DEGREES, {"ids": list(targets)}))

    def save(self, plan: WritePlan) -> None:
        self.saved = True
        state = self.run(STATE, {"key": STATE_KEY})[0] or {
            "_key": STATE_KEY,
            "seq": 0,
            "generation": 0,
            "tally": {},
        }
        self._remove(PAIR, [pair_key(p.place, p.industry, p.company) for p in plan.pairs_dropped])
        for kind in EDGE_COLLECTIONS:
            self._remove(kind, [edge_key(*edge) for edge in plan.edges_dropped if edge[1] == kind])
        postings = _Postings()
        for company in plan.deleted:
            key = company.partition("/")[2]
            name, links, seq = self.held.pop(key)
            postings.drop(terms_of(name, links), seq)
        self._remove(COMPANY, [company.partition("/")[2] for company in plan.deleted])
        seqs = self._new_seqs(plan, state)
        self._companies(plan.companies, seqs, postings)
        self._nodes(plan, seqs)
        self._restamp([row for row in plan.companies if row.restamp])
        rows = {row.id: row for row in plan.companies}
        for kind in EDGE_COLLECTIONS:
            self._write(
                INSERT,
                kind,
                [_edge(rows[c], k, t) for c, k, t in plan.edges_added if k == edge_collection(kind)],
            )
        self._write(INSERT, PAIR, [_pair(p) for p in plan.pairs_added])
        self._remove(POSTING, postings.removed)
        self._write(INSERT, POSTING, postings.added)
        self._counts(plan, postings.counts)
        self._write(INSERT, VERSION, [_version(key, s) for key, s in sorted(plan.versions.items())])
        if plan.applied:
            rows_applied = [
                {
                    "_key": hashed(event),
                    "event": event,
                    "company": company,
                    "outcome": outcome,
                    "dated": dated,
                }
                for event, company, outcome, dated in plan.applied
            ]
            self.run(APPLY, {"rows": rows_applied})
        tally = Counter(state["tally"])
        tally.update(plan.tally)
        state.update(seq=state["seq"] + len(seqs), generation=state["generation"] + 1, tally=dict(tally))
        self._write(INSERT, META, [state])

    def _new_seqs(self, plan: WritePlan, state: dict[str, Any]) -> dict[str, int]:
        """Row ids for the companies and nodes new to the store, in the plan's order: one more
        than any given before (SQLite gives one more than the largest held, which differs
        only after the newest was deleted; the order is the same)."""
        node_ids = [node.id for node in plan.nodes]
        stored = set(self.run(NODES_STORED, {"ids": node_ids})) if node_ids else set()
        new = {row.id for row in plan.companies if row.key not in self.held} | (set(node_ids) - stored)
        ordered_new = [node for node in plan.order if node in new]
        return {node: state["seq"] + n for n, node in enumerate(ordered_new, start=1)}

    def _companies(self, companies: list[CompanyRow], seqs: dict[str, int], postings: _Postings) -> None:
        docs = []
        for row in companies:
            seq = seqs.get(row.id) or self.held[row.key][2]
            doc = company_document(row.key, row.doc, row.name, row.links, seq)
            if row.body is not None:
                doc["body"] = row.body.decode()
            docs.append(doc)
            was = self.held.get(row.key)
            before = terms_of(was[0], was[1]) if was else set()
            after = terms_of(row.name, row.links)
            postings.drop(before - after, seq)
            postings.add(after - before, seq, row.id)
        self._write(UPDATE, COMPANY, docs)

    def _nodes(self, plan: WritePlan, seqs: dict[str, int]) -> None:
        for collection in NODE_COLLECTIONS:
            docs = []
            for node in plan.nodes:
                if node.collection == collection:
                    doc = {"_key": node.key, "doc": node.props, "order": ordered(node.id)}
                    if node.id in seqs:
                        doc |= {"seq": seqs[node.id], "companies": 0}
                    docs.append(doc)
            self._write(UPDATE, collection, docs)

    def _restamp(self, rows: list[CompanyRow]) -> None:
        if rows:
            stamps = [
                {"id": r.id, "name": r.name, "sort": sort_key(r.name), "links": list(r.links)} for r in rows
            ]
            for kind in EDGE_COLLECTIONS:
                self.run(RESTAMP, {"rows": stamps, "@edges": kind})

    def _counts(self, plan: WritePlan, terms: Counter[str]) -> None:
        for collection in NODE_COLLECTIONS:
            deltas = [
                {"_key": target.partition("/")[2], "delta": delta, "init": {}}
                for target, delta in sorted(plan.degrees.items())
                if target.partition("/")[0] == collection
            ]
            self._count(collection, "companies", deltas)
        self._count(
            PAIR_COUNT,
            "companies",
            [
                {"_key": pair_count_key(*pair), "delta": delta, "init": {}}
                for pair, delta in sorted(plan.pair_degrees.items())
            ],
        )
        moved = [
            {"_key": hashed(t), "delta": delta, "init": {"term": t}}
            for t, delta in sorted(terms.items())
            if delta
        ]
        self._count(TERM_COUNT, "count", moved)
        if moved:
            self.run(EMPTY_TERMS, {"keys": [row["_key"] for row in moved]})

    def _count(self, collection: str, attribute: str, deltas: list[dict[str, Any]]) -> None:
        if deltas:
            self.run(COUNT, {"deltas": deltas, "@collection": collection, "attribute": attribute})

    def _remove(self, collection: str, keys: Sequence[str]) -> None:
        if keys:
            self.run(REMOVE, {"keys": list(keys), "@collection": collection})

    def _write(self, statement: str, collection: str, docs: list[dict[str, Any]]) -> None:
        if docs:
            self.run(statement, {"docs": docs, "@collection": collection})


class _Postings:
    """The word index's rows a batch drops and adds, and how each term's count moves."""

    def __init__(self) -> None:
        self.removed: list[str] = []
        self.added: list[dict[str, Any]] = []
        self.counts: Counter[str] = Counter()

    def drop(self, terms: Iterable[str], seq: int) -> None:
        for found_by in sorted(terms):
            self.removed.append(posting_key(found_by, seq))
            self.counts[found_by] -= 1

    def add(self, terms: Iterable[str], seq: int, company: str) -> None:
        for found_by in sorted(terms):
            self.added.append(
                {"_key": posting_key(found_by, seq), "term": found_by, "seq": seq, "company": company}
            )
            self.counts[found_by] += 1


def _edge(row: CompanyRow, kind: str, target: str) -> dict[str, Any]:
    return {
        "_key": edge_key(row.id, kind, target),
        "_from": row.id,
        "_to": target,
        "name": row.name,
        "sort": sort_key(row.name),
        "order": ordered(row.id),
        "links": list(row.links),
    }


def _pair(pair) -> dict[str, Any]:
    return {
        "_key": pair_key(pair.place, pair.industry, pair.company),
        "place": pair.place,
        "industry": pair.industry,
        "name": pair.name,
        "sort": sort_key(pair.name),
        "order": ordered(pair.company),
        "company": pair.company,
    }


def _version(company_key: str, state: CompanyState) -> dict[str, Any]:
    tombstone = state.tombstone
    return {
        "_key": company_key,
        "order": ordered(company_key),
        "occurred_at": tombstone.occurred_at if tombstone else None,
        "event_id": tombstone.event_id if tombstone else "",
        "deleted": tombstone is not None,
        "fields": {name: [v.occurred_at, v.event_id] for name, v in state.versions.items()},
    }
