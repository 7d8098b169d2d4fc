"""How one GraphChange lands in SQLite: dedupe, merge field by field, rewire, in a savepoint."""

from __future__ import annotations

import json
import sqlite3

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
        self.written: dict[str, tuple] = {}
        self.pending: dict[str, tuple] = {}

    def needs_write(self, node: Node) -> bool:
        """Place and industry props are flat, so their sorted items identify what was written."""
        seen = tuple(sorted(node.props.items()))
        return self.written.get(node.id) != seen and self.pending.get(node.id) != seen

    def wrote(self, node: Node) -> None:
        self.pending[node.id] = tuple(sorted(node.props.items()))

    def committed(self) -> None:
        if len(self.written) + len(self.pending) > self.limit:
            self.written.clear()
        self.written.update(self.pending)
        self.pending.clear()

    def rolled_back(self) -> None:
        self.pending.clear()


def apply_change(conn: sqlite3.Connection, change: GraphChange, known: KnownNodes) -> Outcome:
    conn.execute("SAVEPOINT change")
    try:
        outcome = _apply(conn, change, known)
    except BaseException:
        conn.execute("ROLLBACK TO change")
        conn.execute("RELEASE change")
        raise
    conn.execute(
        "INSERT INTO applied_event (event_id, company_key, outcome) VALUES (?, ?, ?)"
        " ON CONFLICT (event_id) DO NOTHING",
        (change.event_id, change.company_key, outcome.value),
    )
    conn.execute("RELEASE change")
    return outcome


def _apply(conn: sqlite3.Connection, change: GraphChange, known: KnownNodes) -> Outcome:
    seen = conn.execute("SELECT 1 FROM applied_event WHERE event_id = ?", (change.event_id,))
    if seen.fetchone():
        return Outcome.DUPLICATE
    company_id = node_id(COMPANY, change.company_key)
    merged = merge(_load(conn, change.company_key, company_id), change)
    if merged.outcome is Outcome.STALE:
        return merged.outcome
    state = merged.state
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
        _insert_edges(conn, merged.add_edges)
    _save_versions(conn, change.company_key, state)
    return merged.outcome


def _load(conn: sqlite3.Connection, company_key: str, company_id: str) -> CompanyState:
    node = conn.execute("SELECT props FROM node WHERE id = ?", (company_id,)).fetchone()
    row = conn.execute(
        "SELECT occurred_at, event_id, deleted, fields FROM company_version WHERE company_key = ?",
        (company_key,),
    ).fetchone()
    state = CompanyState(json.loads(node[0]) if node else None)
    if row:
        state.versions = {name: Version(*v) for name, v in json.loads(row[3]).items()}
        state.tombstone = Version(row[0], row[1]) if row[2] else None
    return state


def _save_versions(conn: sqlite3.Connection, company_key: str, state: CompanyState) -> None:
    """The tombstone, if any, lives in (occurred_at, event_id) with deleted = 1."""
    tombstone = state.tombstone
    conn.execute(
        "INSERT INTO company_version (company_key, occurred_at, event_id, deleted, fields)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (company_key) DO UPDATE SET occurred_at = excluded.occurred_at,"
        " event_id = excluded.event_id, deleted = excluded.deleted, fields = excluded.fields",
        (
            company_key,
            tombstone.occurred_at if tombstone else None,
            tombstone.event_id if tombstone else "",
            int(tombstone is not None),
            json.dumps({name: [v.occurred_at, v.event_id] for name, v in state.versions.items()}),
        ),
    )


def _upsert_node(conn: sqlite3.Connection, node: Node) -> None:
    conn.execute(
        "INSERT INTO node (id, collection, key, name, props) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, props = excluded.props"
        " WHERE node.props IS NOT excluded.props",
        (node.id, node.collection, node.key, node.props.get("name"), json.dumps(node.props)),
    )


def _insert_edges(conn: sqlite3.Connection, edges: list[Edge]) -> None:
    conn.executemany(
        "INSERT INTO edge (from_id, kind, to_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [(e.from_id, e.kind, e.to_id) for e in edges],
    )


def relink_location(conn: sqlite3.Connection, company: Node, write: FieldWrite, known: KnownNodes) -> None:
    """Rewrite a company's place and `locate` edges, leaving every version as it was."""
    _upsert_node(conn, company)
    conn.execute("DELETE FROM edge WHERE from_id = ? AND kind = ?", (company.id, write.edge_kind))
    for node in write.nodes:
        if known.needs_write(node):
            _upsert_node(conn, node)
            known.wrote(node)
    _insert_edges(conn, list(write.edges))
