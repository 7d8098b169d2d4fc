"""How one GraphChange lands in SQLite: dedupe, order, upsert, rewire, all inside a savepoint."""

from __future__ import annotations

import json
import sqlite3

from main.service.keys import COMPANY, node_id
from main.service.model import Edge, GraphChange, Node, Outcome, Version


def apply_change(conn: sqlite3.Connection, change: GraphChange) -> Outcome:
    conn.execute("SAVEPOINT change")
    try:
        outcome = _apply(conn, change)
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


def _apply(conn: sqlite3.Connection, change: GraphChange) -> Outcome:
    seen = conn.execute("SELECT 1 FROM applied_event WHERE event_id = ?", (change.event_id,))
    if seen.fetchone():
        return Outcome.DUPLICATE
    stored = conn.execute(
        "SELECT occurred_at, event_id FROM company_version WHERE company_key = ?",
        (change.company_key,),
    ).fetchone()
    if stored and _is_stale(change.version, Version(stored[0], stored[1])):
        return Outcome.STALE
    company_id = node_id(COMPANY, change.company_key)
    if change.company is None:
        existed = _delete_company(conn, company_id)
        _record_version(conn, change, deleted=True)
        return Outcome.DELETED if existed else Outcome.NOT_FOUND
    _upsert_company(conn, change.company, change.merge)
    for place in change.places:
        _upsert_node(conn, place)
    _rewire(conn, company_id, change.edges, change.rewire_kinds)
    _record_version(conn, change, deleted=False)
    return Outcome.APPLIED


def _is_stale(incoming: Version, stored: Version) -> bool:
    """An event without occurredAt is never stale: only the publisher's clock can order events."""
    if incoming.occurred_at is None or stored.occurred_at is None:
        return False
    return (incoming.occurred_at, incoming.event_id) < (stored.occurred_at, stored.event_id)


def _delete_company(conn: sqlite3.Connection, company_id: str) -> bool:
    conn.execute("DELETE FROM edge WHERE from_id = ?", (company_id,))
    return conn.execute("DELETE FROM node WHERE id = ?", (company_id,)).rowcount > 0


def _upsert_company(conn: sqlite3.Connection, company: Node, merge: bool) -> None:
    props = company.props
    if merge:
        row = conn.execute("SELECT props FROM node WHERE id = ?", (company.id,)).fetchone()
        if row:
            props = {**json.loads(row[0]), **props}
    _upsert_node(conn, Node(company.collection, company.key, props))


def _upsert_node(conn: sqlite3.Connection, node: Node) -> None:
    conn.execute(
        "INSERT INTO node (id, collection, key, name, props) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, props = excluded.props"
        " WHERE node.props IS NOT excluded.props",
        (node.id, node.collection, node.key, node.props.get("name"), json.dumps(node.props)),
    )


def _rewire(
    conn: sqlite3.Connection, company_id: str, edges: tuple[Edge, ...], kinds: tuple[str, ...]
) -> None:
    """Drop the company's edges of the rewired kinds that the event no longer holds, add the new."""
    keep = {edge.key for edge in edges}
    for kind in kinds:
        for (key,) in conn.execute(
            "SELECT key FROM edge WHERE from_id = ? AND kind = ?", (company_id, kind)
        ).fetchall():
            if key not in keep:
                conn.execute("DELETE FROM edge WHERE key = ?", (key,))
    conn.executemany(
        "INSERT INTO edge (key, kind, from_id, to_id) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        [(e.key, e.kind, e.from_id, e.to_id) for e in edges],
    )


def _record_version(conn: sqlite3.Connection, change: GraphChange, deleted: bool) -> None:
    conn.execute(
        "INSERT INTO company_version (company_key, occurred_at, event_id, deleted) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (company_key) DO UPDATE SET"
        " occurred_at = coalesce(excluded.occurred_at, company_version.occurred_at),"
        " event_id = excluded.event_id, deleted = excluded.deleted",
        (change.company_key, change.version.occurred_at, change.event_id, int(deleted)),
    )
