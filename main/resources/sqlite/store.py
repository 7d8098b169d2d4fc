"""`GRAPH_URL=sqlite:///...`: the embedded graph store, one file shared by every process."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import orjson

from main.resources.sqlite.connection import (
    SqliteConnections,
    sqlite_mmap_bytes,
    sqlite_path,
    translate_outages,
)
from main.resources.sqlite.lists import SqliteReads
from main.resources.sqlite.writes import SqliteWriteUnit
from main.service.model import Place
from main.service.ports import GraphStore, Ranged, following
from main.service.write_plan import StoredCompany


class SqliteGraphStore(SqliteReads, GraphStore):
    def __init__(self, url: str) -> None:
        self.connections = SqliteConnections(sqlite_path(url), mmap_bytes=sqlite_mmap_bytes(url))

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[SqliteWriteUnit]:
        with self.connections.write() as conn, translate_outages():
            unit = SqliteWriteUnit(conn)
            yield unit
        if unit.saved:
            self._committed()

    def _committed(self) -> None:
        """Counted for `generation`: this thread's own commits do not move its data_version."""
        local = self.connections.local
        local.commits = getattr(local, "commits", 0) + 1

    def known_places(self, queries: Sequence[str]) -> dict[str, Place]:
        found: dict[str, Place] = {}
        for start in range(0, len(queries), 500):
            chunk = list(queries[start : start + 500])
            rows = self._all(
                f"SELECT query, place FROM place_lookup WHERE query IN ({','.join('?' * len(chunk))})", chunk
            )
            found.update((r[0], Place(**orjson.loads(r[1]))) for r in rows)
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

    def versioned_after(self, ceiling: str) -> list[tuple[str, str]]:
        return [
            (r[0], r[1])
            for r in self._all(
                "SELECT company_key, latest FROM (SELECT company_key, max(coalesce(occurred_at, ''),"
                " coalesce((SELECT max(json_extract(value, '$[0]')) FROM json_each(fields)), ''))"
                " AS latest FROM company_version) WHERE latest > ? ORDER BY company_key",
                (ceiling,),
            )
        ]

    def company_keys(self, after: str | None, limit: int) -> Ranged:
        """By row id (`+collection`: walked by row id, not by the name index and sorted)."""
        rows = self._all(
            "SELECT rowid, key FROM node WHERE rowid > ? AND +collection = 'Company' ORDER BY rowid LIMIT ?",
            (int(after or 0), limit),
        )
        last = following(rows, limit)
        return [key for _, key in rows], last and str(last[0])

    def deleted_company_keys(self, after: str | None, limit: int) -> Ranged:
        rows = self._all(
            "SELECT company_key FROM company_version v WHERE company_key > ? AND NOT EXISTS"
            " (SELECT 1 FROM node WHERE id = 'Company/' || v.company_key) ORDER BY company_key LIMIT ?",
            (after or "", limit),
        )
        keys = [row[0] for row in rows]
        return keys, following(keys, limit)

    def stored_companies(self, keys: Collection[str]) -> dict[str, StoredCompany]:
        with translate_outages():
            return SqliteWriteUnit(self.connections.get()).companies(keys)

    def applied_events(self, after: str | None, limit: int) -> Ranged:
        rows = self._all(
            "SELECT event_id, company_key, outcome, dated FROM applied_event WHERE event_id > ?"
            " ORDER BY event_id LIMIT ?",
            (after or "", limit),
        )
        found, after = _keyed(rows, limit)
        return [(event, key, outcome, bool(dated)) for event, key, outcome, dated in found], after

    def remembered_places(self, after: str | None, limit: int) -> Ranged:
        rows = self._all(
            "SELECT query, place FROM place_lookup WHERE query > ? ORDER BY query LIMIT ?",
            (after or "", limit),
        )
        found, after = _keyed(rows, limit)
        return [(query, Place(**orjson.loads(place))) for query, place in found], after

    def generation(self) -> object | None:
        """SQLite's own change counter, which moves when any other connection, in this process
        or another, commits to the file (about a microsecond to read), with this thread's own
        commits, which do not move it."""
        return (self._one("PRAGMA data_version", ())[0], getattr(self.connections.local, "commits", 0))

    def schema_version(self) -> int:
        row = self._one("PRAGMA user_version", ())
        return int(row[0]) if row else 0

    def ping(self) -> None:
        self._one("SELECT count(*) FROM sqlite_master", ())

    def close(self) -> None:
        self.connections.close()

    def _one(self, sql: str, params: Sequence[Any]) -> tuple | None:
        with translate_outages():
            return self.connections.get().execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        with translate_outages():
            return self.connections.get().execute(sql, params).fetchall()


def _keyed(rows: list[tuple], limit: int) -> Ranged:
    """Rows whose first column is their key, and the key the next range starts after."""
    last = following(rows, limit)
    return rows, last and last[0]


def _json_value(raw: str | None) -> Any:
    """json_extract gives objects as JSON text and strings as they are."""
    if isinstance(raw, str) and raw.startswith("{"):
        return orjson.loads(raw)
    return raw
