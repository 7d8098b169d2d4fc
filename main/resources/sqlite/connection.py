"""Per-thread SQLite connections to one file, opened after fork and never shared.

WAL lets the uWSGI processes read while the worker writes; the busy timeout makes
a writer wait for another instead of failing at once.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

from main.resources.sqlite.schema import migrate
from main.service.errors import Unavailable

BUSY_TIMEOUT_SECONDS = 5.0


def sqlite_path(url: str) -> Path:
    """`sqlite:///var/graph.db` is relative to the working directory, `sqlite:////srv/g.db` absolute."""
    parsed = urlparse(url)
    if parsed.scheme != "sqlite" or parsed.netloc or not parsed.path or parsed.path == "/":
        raise ValueError(f"not a SQLite URL: {url!r} (sqlite:///relative/path or sqlite:////absolute/path)")
    return Path(parsed.path[1:])


MMAP_BYTES = 1 << 30


def sqlite_mmap_bytes(url: str) -> int:
    """`?mmap_size=0` for a process that reads each page once (migrate-graph): mapped pages
    would count the file's page cache as the process's own memory, for no speed."""
    options = dict(parse_qsl(urlparse(url).query))
    unknown = set(options) - {"mmap_size"}
    if unknown:
        raise ValueError(f"{url!r}: unknown SQLite option {', '.join(sorted(unknown))} (known: mmap_size)")
    try:
        return int(options.get("mmap_size", MMAP_BYTES))
    except ValueError:
        raise ValueError(f"{url!r}: mmap_size is a number of bytes") from None


class SqliteConnections:
    def __init__(
        self, path: Path, busy_timeout: float = BUSY_TIMEOUT_SECONDS, mmap_bytes: int = MMAP_BYTES
    ) -> None:
        self.path = path
        self.busy_timeout = busy_timeout
        self.mmap_bytes = mmap_bytes
        self.local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        migrate(self.get())

    def get(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            # check_same_thread=False only so close() may run at exit from another thread;
            # each connection is otherwise used by the thread that opened it.
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
            try:
                _journal_in_wal(conn, self.busy_timeout)
                conn.execute("PRAGMA synchronous=NORMAL")
                # reads from the OS's page cache by memory, not by a read() call per page: the
                # key lookups of related and depth 2 land on pages all over a large file
                conn.execute(f"PRAGMA mmap_size={self.mmap_bytes:d}")
            except BaseException:
                conn.close()
                raise
            self.local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so it cannot deadlock on upgrade."""
        conn = self.get()
        with translate_outages():
            conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        with translate_outages():
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self.local = threading.local()


def _journal_in_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch a new file to WAL, waiting as a busy timeout would.

    The switch needs the file to itself, and SQLite answers 'database is locked' at
    once instead of calling its busy handler: two uWSGI workers (or an API and a
    worker) opening a new file at the same moment failed one of them at start-up.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


@contextlib.contextmanager
def translate_outages() -> Iterator[None]:
    """A locked or unreadable database is an outage to wait out, not a data error."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise Unavailable(f"graph store unavailable: {exc}") from exc
