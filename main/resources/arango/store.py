"""The graph store on ArangoDB: the read port (reads.py), units of work (writes.py), place
memory, repairs and lifecycle, over one python-arango client per process (client.py).

Reads are retried on an outage (they change nothing); a write is a stream transaction,
aborted on any error, its batch played again by the graph writer on a conflict.
ArangoDB has no change counter to read, so the generation is the `meta` document every
write transaction bumps, read at most every GENERATION_SECONDS by each process (with its
own thread's commits, seen at once): what is kept in-process is fresh within that bound.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from arango.http import HTTPClient

from main.resources.arango.address import parse_address
from main.resources.arango.client import connect, translated
from main.resources.arango.documents import STATE_KEY, hashed
from main.resources.arango.reads import ArangoReads
from main.resources.arango.schema import create_database, create_schema
from main.resources.arango.writes import EXCLUSIVE, SHARED, ArangoWriteUnit
from main.service.errors import Unavailable
from main.service.model import Place
from main.service.ports import GraphStore, Ranged, following
from main.service.write_plan import StoredCompany

GENERATION_SECONDS = 0.2
READ_ATTEMPTS = 3
# a batch's rows come back in one response, not a request per 1,000
BATCH_SIZE = 10_000
# seconds a transaction waits for the counters another batch holds
LOCK_TIMEOUT = 30

KNOWN_PLACES = "FOR p IN place_lookup FILTER p._key IN @keys RETURN [p.query, p.place]"
REMEMBER = "FOR p IN @docs INSERT p INTO place_lookup OPTIONS {overwriteMode: 'replace'}"
RAW_LOCATED = """
FOR c IN Company
  FILTER c.doc.location != null AND c.doc.place.country == null
  SORT c._key
  LIMIT @limit
  RETURN [c._key, c.doc.location]
"""
FORGET = """
FOR a IN applied_event
  FILTER a.dated == true AND a.at < @cutoff
  LIMIT @batch
  REMOVE a IN applied_event
  RETURN 1
"""
CUTOFF = "RETURN DATE_ISO8601(DATE_SUBTRACT(DATE_NOW(), @seconds, 'seconds'))"
VERSIONED_AFTER = """
FOR v IN company_version
  LET latest = MAX(APPEND([v.occurred_at || ''], (FOR f IN VALUES(v.fields) RETURN f[0])))
  FILTER latest > @ceiling
  SORT v._key
  RETURN [v._key, latest]
"""
GENERATION = "RETURN DOCUMENT('meta', @key).generation || 0"
# companies in the order they were first stored; the deleted ones by key (their bytes)
STORED_KEYS = "FOR c IN Company FILTER c.seq > @after SORT c.seq LIMIT @limit RETURN [c.seq, c._key]"
GONE_KEYS = """
FOR v IN company_version
  FILTER v.order > @after
  SORT v.order
  FILTER DOCUMENT('Company', v._key) == null
  LIMIT @limit
  RETURN [v.order, v._key]
"""
APPLIED_EVENTS = """
FOR a IN applied_event
  FILTER a._key > @after
  SORT a._key
  LIMIT @limit
  RETURN [a._key, a.event, a.company, a.outcome, a.dated]
"""
PLACES = """
FOR p IN place_lookup
  FILTER p._key > @after
  SORT p._key
  LIMIT @limit
  RETURN [p._key, p.query, p.place]
"""
SCHEMA = "RETURN DOCUMENT('meta', 'schema').version || 0"


class ArangoGraphStore(ArangoReads, GraphStore):
    def __init__(self, url: str, transport: HTTPClient | None = None) -> None:
        address = parse_address(url)
        self.client, system, self.db = connect(address, transport)
        self.local = threading.local()
        self._seen: tuple[float, int] = (float("-inf"), 0)
        with translated():
            create_database(system, self.db, address)
            create_schema(self.db)

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[ArangoWriteUnit]:
        with translated():
            txn = self.db.begin_transaction(
                write=list(SHARED), exclusive=list(EXCLUSIVE), allow_implicit=False, lock_timeout=LOCK_TIMEOUT
            )
            try:
                unit = ArangoWriteUnit(
                    lambda query, bind: list(txn.aql.execute(query, bind_vars=bind, batch_size=BATCH_SIZE))
                )
                yield unit
                txn.commit_transaction()
            except BaseException:
                with contextlib.suppress(Exception):
                    txn.abort_transaction()
                raise
        if unit.saved:
            self.local.commits = getattr(self.local, "commits", 0) + 1

    def _read(self, query: str, bind: dict[str, Any]) -> list:
        """A read, sent again on an outage (up to READ_ATTEMPTS): it changes nothing."""
        attempts = 1
        while True:
            try:
                with translated():
                    return list(self.db.aql.execute(query, bind_vars=bind, batch_size=BATCH_SIZE))
            except Unavailable:
                if attempts == READ_ATTEMPTS:
                    raise
                attempts += 1

    def known_places(self, queries: Sequence[str]) -> dict[str, Place]:
        rows = self._read(KNOWN_PLACES, {"keys": [hashed(query) for query in queries]})
        return {query: Place(**place) for query, place in rows}

    def remember_places(self, places: Mapping[str, Place]) -> None:
        docs = [
            {"_key": hashed(query), "query": query, "place": asdict(place)} for query, place in places.items()
        ]
        if docs:
            with translated():
                self.db.aql.execute(REMEMBER, bind_vars={"docs": docs})

    def raw_located(self, limit: int) -> list[tuple[str, Any]]:
        return [(key, location) for key, location in self._read(RAW_LOCATED, {"limit": limit})]

    def forget_applied(self, older_than: timedelta, batch: int = 5_000) -> int:
        """In batches of `batch` removals, each its own short statement."""
        cutoff = self._read(CUTOFF, {"seconds": older_than.total_seconds()})[0]
        forgotten = 0
        while True:
            with translated():
                removed = len(list(self.db.aql.execute(FORGET, bind_vars={"cutoff": cutoff, "batch": batch})))
            forgotten += removed
            if removed < batch:
                return forgotten

    def versioned_after(self, ceiling: str) -> list[tuple[str, str]]:
        return [(key, latest) for key, latest in self._read(VERSIONED_AFTER, {"ceiling": ceiling})]

    def company_keys(self, after: str | None, limit: int) -> Ranged:
        """By `seq`, the row id each company was given when first stored."""
        rows = self._read(STORED_KEYS, {"after": int(after or 0), "limit": limit})
        last = following(rows, limit)
        return [key for _, key in rows], last and str(last[0])

    def deleted_company_keys(self, after: str | None, limit: int) -> Ranged:
        """By `order` (the key's bytes), a position the next range gives back as it is."""
        rows = self._read(GONE_KEYS, {"after": after or "", "limit": limit})
        last = following(rows, limit)
        return [key for _, key in rows], last and last[0]

    def stored_companies(self, keys: Collection[str]) -> dict[str, StoredCompany]:
        return ArangoWriteUnit(self._read).companies(keys)

    def applied_events(self, after: str | None, limit: int) -> Ranged:
        rows = self._read(APPLIED_EVENTS, {"after": after or "", "limit": limit})
        last = following(rows, limit)
        return [tuple(row[1:]) for row in rows], last and last[0]

    def remembered_places(self, after: str | None, limit: int) -> Ranged:
        rows = self._read(PLACES, {"after": after or "", "limit": limit})
        return [(query, Place(**place)) for _, query, place in rows], rows[-1][0] if len(
            rows
        ) == limit else None

    def generation(self) -> object | None:
        read_at, seen = self._seen
        now = time.monotonic()
        if now - read_at >= GENERATION_SECONDS:
            seen = self._read(GENERATION, {"key": STATE_KEY})[0]
            self._seen = (now, seen)
        return (seen, getattr(self.local, "commits", 0))

    def schema_version(self) -> int:
        return self._read(SCHEMA, {})[0]

    def ping(self) -> None:
        self.schema_version()

    def close(self) -> None:
        self.client.close()
