"""How a batch of GraphChanges lands in SQLite: dedupe, merge field by field, rewire."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from main.resources.sqlite.terms import filter_terms, long_words
from main.service.company_json import company_json
from main.service.keys import COMPANY, node_id
from main.service.model import Edge, FieldWrite, GraphChange, Node, Outcome, Version
from main.service.versions import CompanyState, merge


class KnownNodes:
    """Place and industry nodes this process has already written, with the JSON it wrote,
    and the ids of the link sets it has read or written.

    The same few thousand places come with every event; writing each again is the
    per-event work that can be done once. Bounded, and forgotten when a
    transaction rolls back (the write it remembers may not have happened).
    """

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.written: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, dict[str, Any]] = {}
        self.link_sets: dict[tuple[str, ...], int] = {}
        self.pending_link_sets: dict[tuple[str, ...], int] = {}

    def link_set(self, targets: tuple[str, ...]) -> int | None:
        return self.link_sets.get(targets) or self.pending_link_sets.get(targets)

    def found_link_set(self, targets: tuple[str, ...], links: int) -> None:
        self.pending_link_sets[targets] = links

    def needs_write(self, node: Node) -> bool:
        """Props are never mutated once a node is built, so the dict itself is what was written
        (compared in C; no sorted copy per node per event)."""
        return self.written.get(node.id) != node.props and self.pending.get(node.id) != node.props

    def wrote(self, node: Node) -> None:
        self.pending[node.id] = node.props

    def committed(self) -> None:
        for kept, pending in ((self.written, self.pending), (self.link_sets, self.pending_link_sets)):
            if len(kept) + len(pending) > self.limit:
                kept.clear()
            kept.update(pending)
            pending.clear()

    def rolled_back(self) -> None:
        self.pending.clear()
        self.pending_link_sets.clear()


def apply_changes(
    conn: sqlite3.Connection, changes: Sequence[GraphChange], known: KnownNodes
) -> list[Outcome]:
    """Apply changes in order inside the caller's transaction.

    Reads are made once per batch, not once per event: the event ids already
    applied, and the documents and field versions of every company the batch
    touches (kept up to date in memory as the batch goes, so two events of one
    company in one batch see each other). Versions and applied ids are written at
    the end, one statement each. Each event stays all-or-nothing: any error rolls
    the whole transaction back, and the message dispatcher then applies the
    batch's events one at a time.
    """
    seen = _applied(conn, [c.event_id for c in changes])
    states = _load(conn, {c.company_key for c in changes})
    outcomes: list[Outcome] = []
    applied: list[tuple[str, str, str, bool]] = []
    changed: set[str] = set()
    for change in changes:
        if change.event_id in seen:
            outcomes.append(Outcome.DUPLICATE)
            continue
        seen.add(change.event_id)
        outcome = _apply(conn, change, states, known)
        outcomes.append(outcome)
        if outcome is not Outcome.STALE:
            changed.add(change.company_key)
        applied.append((change.event_id, change.company_key, outcome.value, change.dated))
    _save_versions(conn, states, changed)
    conn.executemany(
        "INSERT INTO applied_event (event_id, company_key, outcome, dated) VALUES (?, ?, ?, ?)", applied
    )
    return outcomes


def _apply(
    conn: sqlite3.Connection, change: GraphChange, states: dict[str, CompanyState], known: KnownNodes
) -> Outcome:
    company_id = node_id(COMPANY, change.company_key)
    merged = merge(states[change.company_key], change)
    if merged.outcome is Outcome.STALE:
        return merged.outcome
    state = states[change.company_key] = merged.state
    if state.doc is None:
        conn.execute("DELETE FROM edge WHERE from_id = ?", (company_id,))
        conn.execute("DELETE FROM node WHERE id = ?", (company_id,))
        return merged.outcome
    company = Node(COMPANY, change.company_key, state.doc)
    if merged.add_edges or merged.drop_edge_kinds:
        fresh = merged.new_company
        drop = () if fresh else tuple(sorted(merged.drop_edge_kinds))
        _rewire(conn, company, drop, merged.add_nodes, merged.add_edges, known, fresh)
    else:
        _upsert_node(conn, company)
    return merged.outcome


def rewrite_states(
    conn: sqlite3.Connection, keys: Sequence[str], rewrite: Callable[[CompanyState], CompanyState | None]
) -> list[str]:
    """Each company's versions and document as `rewrite` makes them, edges untouched."""
    states = _load(conn, set(keys))
    rewritten = []
    for key in sorted(states):
        state = rewrite(states[key])
        if state is None:
            continue
        if state.doc is not None and state.doc != states[key].doc:
            _upsert_node(conn, Node(COMPANY, key, state.doc))
        states[key] = state
        rewritten.append(key)
    _save_versions(conn, states, set(rewritten))
    return rewritten


def _applied(conn: sqlite3.Connection, event_ids: list[str]) -> set[str]:
    rows = conn.execute(
        "SELECT event_id FROM applied_event WHERE event_id IN (SELECT value FROM json_each(?))",
        (json.dumps(event_ids),),
    )
    return {row[0] for row in rows}


def _load(conn: sqlite3.Connection, company_keys: set[str]) -> dict[str, CompanyState]:
    keys = json.dumps(sorted(company_keys))
    states = {key: CompanyState() for key in company_keys}
    for key, props in conn.execute(
        "SELECT key, props FROM node WHERE id IN (SELECT ? || value FROM json_each(?))",
        (node_id(COMPANY, ""), keys),
    ):
        states[key].doc = json.loads(props)
    for key, occurred_at, event_id, deleted, fields in conn.execute(
        "SELECT company_key, occurred_at, event_id, deleted, fields FROM company_version"
        " WHERE company_key IN (SELECT value FROM json_each(?))",
        (keys,),
    ):
        states[key].versions = {name: Version(*v) for name, v in json.loads(fields).items()}
        states[key].tombstone = Version(occurred_at, event_id) if deleted else None
    return states


def _save_versions(conn: sqlite3.Connection, states: dict[str, CompanyState], changed: set[str]) -> None:
    """The tombstone, if any, lives in (occurred_at, event_id) with deleted = 1."""
    conn.executemany(
        "INSERT INTO company_version (company_key, occurred_at, event_id, deleted, fields)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (company_key) DO UPDATE SET occurred_at = excluded.occurred_at,"
        " event_id = excluded.event_id, deleted = excluded.deleted, fields = excluded.fields",
        [_version_row(key, states[key]) for key in sorted(changed)],
    )


def _version_row(company_key: str, state: CompanyState) -> tuple:
    tombstone = state.tombstone
    return (
        company_key,
        tombstone.occurred_at if tombstone else None,
        tombstone.event_id if tombstone else "",
        int(tombstone is not None),
        json.dumps({name: [v.occurred_at, v.event_id] for name, v in state.versions.items()}),
    )


def _upsert_node(conn: sqlite3.Connection, node: Node, links: int | None = None) -> None:
    """A company's body, as clients read it, is written with its document (schema),
    and rendered only when the document changed: the body is the document's, written out;
    its name's long words join `long_word` (never removed: a word no name has any more
    only adds a term with no matches to a search).
    `links`: the company's link set, when its edges change (else it keeps the one it has)."""
    company = node.collection == COMPANY
    written = conn.execute(
        "INSERT INTO node (id, collection, key, name, props, links)"
        " VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, 0)) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
        " props = excluded.props, links = coalesce(?6, node.links)"
        " WHERE node.props IS NOT excluded.props OR node.links IS NOT coalesce(?6, node.links)",
        (
            node.id,
            node.collection,
            node.key,
            _name(node.props) if company else node.props.get("name"),
            json.dumps(node.props),
            links,
        ),
    )
    if company and written.rowcount:
        conn.execute(
            "INSERT INTO company_body (id, body) VALUES (?, ?)"
            " ON CONFLICT (id) DO UPDATE SET body = excluded.body WHERE body IS NOT excluded.body",
            (node.id, company_json(node.props)),
        )
        if words := long_words(_name(node.props)):
            conn.executemany("INSERT OR IGNORE INTO long_word (word) VALUES (?)", [(w,) for w in words])


def _name(company: dict[str, Any]) -> str:
    """A company's name as lists sort it; never NULL, which no keyset comparison could pass."""
    return company.get("name") or ""


def _rewire(
    conn: sqlite3.Connection,
    company: Node,
    drop_kinds: Sequence[str],
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    known: KnownNodes,
    fresh: bool = False,
) -> None:
    """A company with its edges of `drop_kinds` replaced by `edges` (`fresh`: it has none yet).
    Each edge carries its company's name, so a place's companies are listed by name straight
    from the edge index (a rename rewrites them, in a trigger), and the id of the set of
    nodes the company links to now (`links`: related reads it instead of each candidate's
    edges). The company carries that id too, written before its edges, so the word index
    takes its name and filter terms once (schema)."""
    if drop_kinds:
        conn.execute(
            f"DELETE FROM edge WHERE from_id = ? AND kind IN ({','.join('?' * len(drop_kinds))})",
            (company.id, *drop_kinds),
        )
    kept = (
        []
        if fresh
        else conn.execute("SELECT kind, to_id FROM edge WHERE from_id = ?", (company.id,)).fetchall()
    )
    linked = sorted({(kind, target) for kind, target in kept} | {(e.kind, e.to_id) for e in edges})
    links = _link_set(conn, tuple(target for _, target in linked), known)
    _upsert_node(conn, company, links)
    for node in nodes:
        if known.needs_write(node):
            _upsert_node(conn, node)
            known.wrote(node)
    if kept:
        conn.execute("UPDATE edge SET links = ? WHERE from_id = ? AND links <> ?", (links, company.id, links))
    conn.executemany(
        "INSERT INTO edge (from_id, kind, to_id, sort, links) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(e.from_id, e.kind, e.to_id, _name(company.props), links) for e in edges],
    )


def _link_set(conn: sqlite3.Connection, targets: tuple[str, ...], known: KnownNodes) -> int:
    """The id of this set of nodes, added when new. Written as the migration wrote the sets
    (json_group_array in the edges' key order); a set written twice in two spellings would
    only be two rows naming the same nodes."""
    links = known.link_set(targets)
    if links is None:
        spelled = json.dumps(targets, ensure_ascii=False, separators=(",", ":"))
        row = conn.execute("SELECT id FROM link_set WHERE targets = ?", (spelled,)).fetchone()
        links = (
            row[0]
            if row
            else conn.execute(
                "INSERT INTO link_set (targets, terms) VALUES (?, ?)", (spelled, filter_terms(targets))
            ).lastrowid
        )
        known.found_link_set(targets, links)
    return links


def relink_location(conn: sqlite3.Connection, company: Node, write: FieldWrite, known: KnownNodes) -> None:
    """Rewrite a company's place and `locate` edges, leaving every version as it was."""
    _rewire(conn, company, (write.edge_kind,), write.nodes, write.edges, known)
