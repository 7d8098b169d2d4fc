"""`GRAPH_URL=sqlite:///...`: the embedded graph store, one file shared by every process."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from main.resources.sqlite_connection import SqliteConnections, sqlite_path, translate_outages
from main.resources.sqlite_writes import KnownNodes, apply_changes, relink_location
from main.service.keys import COMPANY, edge_key, node_id
from main.service.model import FieldWrite, GraphChange, Neighbourhood, Node, Outcome, Page, Place, SearchQuery
from main.service.ports import GraphStore

WORD = re.compile(r"\w+")
SHARE_WEIGHT = (
    "CASE substr(e2.to_id, 1, instr(e2.to_id, '/') - 1)"
    " WHEN 'City' THEN 3 WHEN 'Industry' THEN 3 WHEN 'State' THEN 2 ELSE 1 END"
)


class SqliteGraphStore(GraphStore):
    def __init__(self, url: str) -> None:
        self.connections = SqliteConnections(sqlite_path(url))

    def apply(self, changes: Sequence[GraphChange]) -> list[Outcome]:
        known = self._known_nodes()
        try:
            with self.connections.write() as conn, translate_outages():
                outcomes = apply_changes(conn, changes, known)
        except BaseException:
            known.rolled_back()
            raise
        known.committed()
        return outcomes

    def _known_nodes(self) -> KnownNodes:
        """One per thread, like the connection whose commits it follows."""
        local = self.connections.local
        if not hasattr(local, "known"):
            local.known = KnownNodes()
        return local.known

    def get_company(self, key: str) -> dict[str, Any] | None:
        row = self._one("SELECT props FROM node WHERE id = ?", (node_id(COMPANY, key),))
        return json.loads(row[0]) if row else None

    def search(self, query: SearchQuery) -> Page:
        where, params = ["n.collection = 'Company'"], []
        if query.q:
            words = WORD.findall(query.q)
            if not words:
                return Page([], 0, query.page, query.per_page)
            where.append("n.rowid IN (SELECT rowid FROM company_name WHERE company_name MATCH ?)")
            params.append(" ".join(f'"{word}"*' for word in words))
        for collection, key in (
            ("Country", query.country),
            ("Industry", query.industry),
            ("City", query.city),
        ):
            if key:
                where.append("EXISTS (SELECT 1 FROM edge e WHERE e.from_id = n.id AND e.to_id = ?)")
                params.append(node_id(collection, key))
        clause = " AND ".join(where)
        total = self._one(f"SELECT count(*) FROM node n WHERE {clause}", params)[0]
        rows = self._all(
            f"SELECT n.props FROM node n WHERE {clause}"
            " ORDER BY n.name COLLATE NOCASE, n.key LIMIT ? OFFSET ?",
            [*params, query.per_page, (query.page - 1) * query.per_page],
        )
        return Page([json.loads(r[0]) for r in rows], total, query.page, query.per_page)

    def related(self, key: str, limit: int) -> list[dict[str, Any]]:
        rows = self._all(
            f"SELECT n.props, SUM({SHARE_WEIGHT}) AS score, group_concat(e2.to_id, '|') AS shared"
            " FROM edge e1 JOIN edge e2 ON e2.to_id = e1.to_id AND e2.from_id <> e1.from_id"
            " JOIN node n ON n.id = e2.from_id"
            " WHERE e1.from_id = ? GROUP BY e2.from_id ORDER BY score DESC, n.key LIMIT ?",
            (node_id(COMPANY, key), limit),
        )
        return [{"company": json.loads(r[0]), "score": r[1], "shared": sorted(r[2].split("|"))} for r in rows]

    def neighbourhood(self, key: str, depth: int, limit: int) -> Neighbourhood:
        centre = node_id(COMPANY, key)
        graph = Neighbourhood()
        seen: set[str] = set()
        self._add_nodes(graph, seen, [centre])
        edges = self._all(
            "SELECT kind, from_id, to_id FROM edge WHERE from_id = ? ORDER BY kind, to_id", (centre,)
        )
        graph.edges.extend(_edge(r) for r in edges)
        targets = [r[2] for r in edges]
        self._add_nodes(graph, seen, targets)
        if depth >= 2:
            for target in targets:
                rows = self._all(
                    "SELECT kind, from_id, to_id FROM edge WHERE to_id = ? AND from_id <> ?"
                    " ORDER BY from_id LIMIT ?",
                    (target, centre, limit + 1),
                )
                graph.truncated |= len(rows) > limit
                graph.edges.extend(_edge(r) for r in rows[:limit])
                self._add_nodes(graph, seen, [r[1] for r in rows[:limit]])
        return graph

    def places(self, collection: str, page: int, per_page: int) -> Page:
        total = self._one(
            "SELECT count(*) FROM node n WHERE n.collection = ?"
            " AND EXISTS (SELECT 1 FROM edge e WHERE e.to_id = n.id)",
            (collection,),
        )[0]
        rows = self._all(
            "SELECT n.props, (SELECT count(*) FROM edge e WHERE e.to_id = n.id) AS companies"
            " FROM node n WHERE n.collection = ? AND companies > 0"
            " ORDER BY companies DESC, n.key LIMIT ? OFFSET ?",
            (collection, per_page, (page - 1) * per_page),
        )
        return Page([{**json.loads(r[0]), "companies": r[1]} for r in rows], total, page, per_page)

    def place_companies(self, collection: str, key: str, page: int, per_page: int) -> Page | None:
        target = node_id(collection, key)
        if not self._one("SELECT 1 FROM node WHERE id = ?", (target,)):
            return None
        total = self._one("SELECT count(*) FROM edge WHERE to_id = ?", (target,))[0]
        rows = self._all(
            "SELECT n.props FROM edge e JOIN node n ON n.id = e.from_id WHERE e.to_id = ?"
            " ORDER BY n.name COLLATE NOCASE, n.key LIMIT ? OFFSET ?",
            (target, per_page, (page - 1) * per_page),
        )
        return Page([json.loads(r[0]) for r in rows], total, page, per_page)

    def known_places(self, queries: Sequence[str]) -> dict[str, Place]:
        found: dict[str, Place] = {}
        for start in range(0, len(queries), 500):
            chunk = list(queries[start : start + 500])
            rows = self._all(
                f"SELECT query, place FROM place_lookup WHERE query IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update((r[0], Place(**json.loads(r[1]))) for r in rows)
        return found

    def remember_places(self, places: Mapping[str, Place]) -> None:
        with self.connections.write() as conn, translate_outages():
            conn.executemany(
                "INSERT INTO place_lookup (query, place) VALUES (?, ?) ON CONFLICT (query)"
                " DO UPDATE SET place = excluded.place, resolved_at = excluded.resolved_at",
                [(query, json.dumps(asdict(place))) for query, place in places.items()],
            )

    def raw_located(self, limit: int) -> list[tuple[str, Any]]:
        rows = self._all(
            "SELECT key, json_extract(props, '$.location') FROM node WHERE collection = 'Company'"
            " AND json_extract(props, '$.location') IS NOT NULL"
            " AND json_extract(props, '$.place.country') IS NULL ORDER BY key LIMIT ?",
            (limit,),
        )
        return [(r[0], _json_value(r[1])) for r in rows]

    def relink(self, company_key: str, location: Any, write: FieldWrite) -> bool:
        company_id = node_id(COMPANY, company_key)
        known = self._known_nodes()
        with self.connections.write() as conn, translate_outages():
            row = conn.execute("SELECT props FROM node WHERE id = ?", (company_id,)).fetchone()
            doc = json.loads(row[0]) if row else None
            if doc is None or doc.get("location") != location:
                return False
            relink_location(conn, Node(COMPANY, company_key, {**doc, **write.props}), write, known)
        known.committed()
        return True

    def forget_applied(self, older_than: timedelta, batch: int = 5_000) -> int:
        """Walks the table in key ranges of `batch` rows, one short write transaction each, so
        the worker is never held up for long and no index is paid for on every event."""
        applied_at = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)"  # as the column's default writes it
        cutoff = self._one(f"SELECT {applied_at}", (f"-{older_than.total_seconds()} seconds",))[0]
        forgotten, after = 0, ""
        while True:
            with self.connections.write() as conn, translate_outages():
                last = conn.execute(
                    "SELECT max(event_id) FROM"
                    " (SELECT event_id FROM applied_event WHERE event_id > ? ORDER BY event_id LIMIT ?)",
                    (after, batch),
                ).fetchone()[0]
                if last is None:
                    return forgotten
                forgotten += conn.execute(
                    "DELETE FROM applied_event WHERE event_id > ? AND event_id <= ?"
                    " AND dated = 1 AND applied_at < ?",
                    (after, last, cutoff),
                ).rowcount
            after = last

    def ping(self) -> None:
        self._one("SELECT count(*) FROM sqlite_master", ())

    def close(self) -> None:
        self.connections.close()

    def _add_nodes(self, graph: Neighbourhood, seen: set[str], ids: list[str]) -> None:
        fresh = [i for i in dict.fromkeys(ids) if i not in seen]
        if not fresh:
            return
        seen.update(fresh)
        marks = ",".join("?" * len(fresh))
        rows = self._all(
            f"SELECT id, collection, key, props FROM node WHERE id IN ({marks}) ORDER BY id", fresh
        )
        graph.nodes.extend(
            {"id": r[0], "collection": r[1], "key": r[2], "properties": json.loads(r[3])} for r in rows
        )

    def _one(self, sql: str, params: Sequence[Any]) -> sqlite3.Row | None:
        with translate_outages():
            return self.connections.get().execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
        with translate_outages():
            return self.connections.get().execute(sql, params).fetchall()


def _json_value(raw: str | None) -> Any:
    """json_extract gives objects as JSON text and strings as they are."""
    if isinstance(raw, str) and raw.startswith("{"):
        return json.loads(raw)
    return raw


def _edge(row: sqlite3.Row) -> dict[str, str]:
    kind, source, target = row
    key = edge_key(source.partition("/")[2], kind, target.partition("/")[2])
    return {"key": key, "kind": kind, "from": source, "to": target}
