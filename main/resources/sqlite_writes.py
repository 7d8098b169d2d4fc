"""How a batch of GraphChanges lands in SQLite: dedupe, merge field by field, rewire."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

from main.service.keys import COMPANY, node_id
from main.service.model import Edge, FieldWrite, GraphChange, Node, Outcome, Version
from main.service.versions import CompanyState, merge


class KnownNodes:
    """Place and industry nodes this process has already written, with the JSON it wrote.

    The same few thousand places come with every event; writing each again is the
    per-event work that can be done once. Bounded, and forgotten when a
    transaction rolls back (the write it remembers may not have happened).
    """

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.written: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, dict[str, Any]] = {}

    def needs_write(self, node: Node) -> bool:
        """Props are never mutated once a node is built, so the dict itself is what was written
        (compared in C; no sorted copy per node per event)."""
        return self.written.get(node.id) != node.props and self.pending.get(node.id) != node.props

    def wrote(self, node: Node) -> None:
        self.pending[node.id] = node.props

    def committed(self) -> None:
        if len(self.written) + len(self.pending) > self.limit:
            self.written.clear()
        self.written.update(self.pending)
        self.pending.clear()

    def rolled_back(self) -> None:
        self.pending.clear()


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
    relinked: set[str] = set()
    for change in changes:
        if change.event_id in seen:
            outcomes.append(Outcome.DUPLICATE)
            continue
        seen.add(change.event_id)
        outcome = _apply(conn, change, states, known, relinked)
        outcomes.append(outcome)
        if outcome is not Outcome.STALE:
            changed.add(change.company_key)
        applied.append((change.event_id, change.company_key, outcome.value, change.dated))
    mark_links(conn, relinked)
    _save_versions(conn, states, changed)
    conn.executemany(
        "INSERT INTO applied_event (event_id, company_key, outcome, dated) VALUES (?, ?, ?, ?)", applied
    )
    return outcomes


def _apply(
    conn: sqlite3.Connection,
    change: GraphChange,
    states: dict[str, CompanyState],
    known: KnownNodes,
    relinked: set[str],
) -> Outcome:
    company_id = node_id(COMPANY, change.company_key)
    merged = merge(states[change.company_key], change)
    if merged.outcome is Outcome.STALE:
        return merged.outcome
    state = states[change.company_key] = merged.state
    if state.doc is None:
        conn.execute("DELETE FROM edge WHERE from_id = ?", (company_id,))
        conn.execute("DELETE FROM node WHERE id = ?", (company_id,))
    else:
        _upsert_node(conn, Node(COMPANY, change.company_key, state.doc))
        if merged.drop_edge_kinds and not merged.new_company:
            kinds = sorted(merged.drop_edge_kinds)
            conn.execute(
                f"DELETE FROM edge WHERE from_id = ? AND kind IN ({','.join('?' * len(kinds))})",
                (company_id, *kinds),
            )
        for node in merged.add_nodes:
            if known.needs_write(node):
                _upsert_node(conn, node)
                known.wrote(node)
        _insert_edges(conn, merged.add_edges, _name(state.doc))
        if merged.add_edges or merged.drop_edge_kinds:
            relinked.add(company_id)
    return merged.outcome


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


def _upsert_node(conn: sqlite3.Connection, node: Node) -> None:
    name = _name(node.props) if node.collection == COMPANY else node.props.get("name")
    conn.execute(
        "INSERT INTO node (id, collection, key, name, props) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, props = excluded.props"
        " WHERE node.props IS NOT excluded.props",
        (node.id, node.collection, node.key, name, json.dumps(node.props)),
    )


def _name(company: dict[str, Any]) -> str:
    """A company's name as lists sort it; never NULL, which no keyset comparison could pass."""
    return company.get("name") or ""


def _insert_edges(conn: sqlite3.Connection, edges: list[Edge], company_name: str) -> None:
    """Each edge carries its company's name: a place's companies are then listed by name
    straight from the edge index (a rename rewrites them, in a trigger)."""
    conn.executemany(
        "INSERT INTO edge (from_id, kind, to_id, sort) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(e.from_id, e.kind, e.to_id, company_name) for e in edges],
    )


def relink_location(conn: sqlite3.Connection, company: Node, write: FieldWrite, known: KnownNodes) -> None:
    """Rewrite a company's place and `locate` edges, leaving every version as it was."""
    _upsert_node(conn, company)
    conn.execute("DELETE FROM edge WHERE from_id = ? AND kind = ?", (company.id, write.edge_kind))
    for node in write.nodes:
        if known.needs_write(node):
            _upsert_node(conn, node)
            known.wrote(node)
    _insert_edges(conn, list(write.edges), _name(company.props))
    mark_links(conn, [company.id])


def mark_links(conn: sqlite3.Connection, company_ids: Collection[str]) -> None:
    """Give each company's edges the id of the set of nodes it links to now (sqlite_schema:
    `links`), in the order the migration wrote them: by primary key. A set no company links
    to any more stays, unused: rows of link_set never change, so readers keep them."""
    for company_id in sorted(company_ids):
        conn.execute(_NEW_LINK_SET, (company_id,))
        conn.execute(_MARK_LINKS, (company_id,))


_LINK_SET = "SELECT json_group_array(to_id) FROM edge WHERE from_id = ?1"
_NEW_LINK_SET = f"INSERT INTO link_set (targets) {_LINK_SET} ON CONFLICT (targets) DO NOTHING"
_MARK_LINKS = (
    f"UPDATE edge SET links = (SELECT id FROM link_set WHERE targets = ({_LINK_SET})) WHERE from_id = ?1"
)
