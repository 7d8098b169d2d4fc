"""Small helpers so tests read like a user's steps: wait for a condition, build an event."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import json
import random
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from main.resources.sqlite.schema import migrate

T = TypeVar("T")
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def wait_until(probe: Callable[[], T], timeout: float = 5.0, interval: float = 0.01) -> T:
    """Return the first truthy result of `probe`, or fail once `timeout` has passed (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last result: {result!r})")
        time.sleep(interval)


def company_event(
    event_type: str = "company-created",
    company_id: str | None = None,
    occurred_at: str | None = None,
    event_id: str | None = None,
    **data: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "eventType": event_type,
        "data": {"id": company_id or str(uuid.uuid4()).upper(), **data},
    }
    if event_type == "company-created":
        body["data"].setdefault("name", "Acme Ltd")
    if occurred_at:
        body["occurredAt"] = occurred_at
    if event_id:
        body["eventId"] = event_id
    return body


def snapshot(store: Any) -> tuple[dict, set]:
    """What a user can see: every company document and every edge, read through any store's
    read port."""
    ids, after = [], None
    while rows := store.companies_by_name(after, 1_000, 0):
        ids += [company for _, company in rows]
        after = rows[-1][0]
    companies = store.node_docs(ids)
    edges = {(company, kind, target) for company in ids for kind, target, _ in store.edges_of(company)}
    return companies, edges


def random_history(
    rng: random.Random,
    companies: int = 4,
    length: int = 40,
    places: tuple[str, ...] = ("Berlin", "Tel Aviv", "Santa Clara"),
) -> list[dict]:
    """Creates, partial updates and deletes of a few companies, each with its own occurredAt."""
    events = []
    for number in range(length):
        company = f"c{rng.randrange(companies)}"
        at = f"2026-01-01T{number // 3600:02d}:{number // 60 % 60:02d}:{number % 60:02d}Z"
        kind = rng.choice(["company-created", "company-updated", "company-updated", "company-deleted"])
        data = {}
        if kind != "company-deleted":
            for name, values in (
                ("name", ["A", "B", "C"]),
                ("location", list(places)),
                ("industry", [["Software"], ["Banking", "AI"], []]),
                ("employees", [1, 2, 3]),
            ):
                if kind == "company-created" or rng.random() < 0.5:
                    data[name] = rng.choice(values)
        events.append(company_event(kind, company, at, f"e{number}", **data))
    return events


@contextlib.contextmanager
def write_lock_held(store: Any) -> Iterator[None]:
    """A real outage of a SQLite store: another connection holds the file's write lock.

    The store's busy timeout drops to 50 ms (its connections reopen with it), so that
    each attempt fails fast with SQLite's own "database is locked".
    """
    store.connections.busy_timeout = 0.05
    store.connections.close()
    blocker = sqlite3.connect(store.connections.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


@contextlib.contextmanager
def file_unreadable(store: Any) -> Iterator[None]:
    """A real outage of a SQLite store: its file is gone, a folder in its place, so every
    new connection fails with SQLite's own "unable to open database file"."""
    store.connections.busy_timeout = 0.05
    store.connections.close()
    path = store.connections.path
    path.unlink()
    path.mkdir()
    try:
        yield
    finally:
        path.rmdir()


# The tables a store writes; the others (counts, the word index, pairs) its triggers derive
WRITTEN_TABLES = (
    "link_set",
    "node",
    "edge",
    "company_body",
    "company_version",
    "applied_event",
    "place_lookup",
)


def as_written_by(path: str, version: int, older: Path) -> Path:
    """The graph in the SQLite file at `path` as the schema of `version` held it, at `older`:
    that version's tables, the columns it knew copied over, what its triggers derive derived
    by them, so a migration can be run on it and compared with a store written since."""
    conn = sqlite3.connect(older, isolation_level=None)
    migrate(conn, to=version)
    conn.execute("ATTACH ? AS current", (str(path),))
    conn.execute("BEGIN")
    for table in WRITTEN_TABLES:
        known = [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]
        if known:
            columns = ", ".join(known)
            conn.execute(f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM current.{table}")
    conn.execute("COMMIT")
    conn.execute("DETACH current")
    conn.close()
    return older


class GenerationBlind:
    """A store that cannot tell its generation (None): nothing is kept over it, and caches
    rely on their TTL alone."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def generation(self) -> None:
        return None


def project_script(name: str) -> ModuleType:
    """A script of scripts/ imported as it runs: its sibling scripts importable beside it."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPTS))


def vendored_manifest(folder: Path) -> dict:
    """A vendored folder's manifest (VENDORED.json), once every file it names is checked to be
    the one the vendoring script wrote (its SHA-256)."""
    manifest = json.loads((folder / "VENDORED.json").read_text())
    assert manifest["integrity"].startswith("sha512-")
    for name, digest in manifest["files"].items():
        found = "sha256-" + base64.b64encode(hashlib.sha256((folder / name).read_bytes()).digest()).decode()
        assert found == digest, f"{name} is not the file the vendoring script wrote"
    return manifest
