"""`MEMCACHED_SERVERS`: the shared cache tier, a pymemcache HashClient over one or more servers.

Values are JSON; keys are a versioned prefix plus a SHA-1 of the logical key, so
they stay short (memcached allows 250 bytes) and free of spaces, and a format
change only needs a new prefix. Short timeouts; a server down or slow is a miss,
logged and counted, never an error for the caller, and is tried again after
`dead_timeout`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Collection
from typing import Any

from pymemcache.client.hash import HashClient

from main.service.cache import MISSING
from main.service.errors import Unavailable
from main.service.ports import SharedCache
from main.util import metrics

log = logging.getLogger(__name__)

KEY_PREFIX = "cg:v1:"
FLAG_JSON = 1


class JsonSerde:
    def serialize(self, _key: str, value: Any) -> tuple[bytes, int]:
        return json.dumps(value, separators=(",", ":")).encode(), FLAG_JSON

    def deserialize(self, _key: str, value: bytes, _flags: int) -> Any:
        return json.loads(value)


def server_address(server: str) -> tuple[str, int]:
    host, _, port = server.rpartition(":")
    return (host or server, int(port)) if port.isdigit() else (server, 11211)


class MemcachedCache(SharedCache):
    def __init__(
        self, servers: tuple[str, ...], ttl: int = 300, timeout: float = 0.25, dead_timeout: float = 10
    ):
        self.ttl = ttl
        self.client = HashClient(
            [server_address(s) for s in servers],
            serde=JsonSerde(),
            connect_timeout=timeout,
            timeout=timeout,
            use_pooling=True,
            max_pool_size=16,
            retry_attempts=1,
            retry_timeout=0,
            dead_timeout=dead_timeout,
            ignore_exc=False,
            default_noreply=False,
        )
        self.stats = {"hits": 0, "misses": 0, "errors": 0}
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        try:
            value = self.client.get(_key(key), default=MISSING)
        except Exception as exc:  # any failure of the shared tier is a miss
            return self._error("get", exc)
        self._count("misses" if value is MISSING else "hits")
        return value

    def set(self, key: str, value: Any) -> None:
        try:
            self.client.set(_key(key), value, expire=self.ttl)
        except Exception as exc:
            self._error("set", exc)

    def delete_many(self, keys: Collection[str]) -> None:
        """One write per server and no waiting for replies: a delete is idempotent, and a round
        trip per key made the worker 40% slower with memcached than without.

        (HashClient.delete_many sends key by key; its hasher and clients group them.)
        """
        by_server: dict[str, list[str]] = {}
        for key in keys:
            hashed = _key(key)
            server = self.client.hasher.get_node(hashed)
            if server is not None:
                by_server.setdefault(server, []).append(hashed)
        for server, hashed_keys in by_server.items():
            try:
                self.client.clients[server].delete_many(hashed_keys, noreply=True)
            except Exception as exc:
                self._error("delete", exc)

    def ping(self) -> None:
        """Every server of the pool asked for its version, each within the client's timeout."""
        for server, client in self.client.clients.items():
            try:
                client.version()
            except Exception as exc:
                raise Unavailable(f"memcached {server} does not answer: {exc!r}") from exc

    def close(self) -> None:
        self.client.close()

    def _error(self, action: str, exc: Exception) -> object:
        self._count("errors")
        log.warning("memcached %s failed, served without it: %r", action, exc)
        return MISSING

    def _count(self, name: str) -> None:
        with self._lock:
            self.stats[name] += 1
        metrics.cache_requests.labels("memcached", _RESULTS[name]).inc()


_RESULTS = {"hits": "hit", "misses": "miss", "errors": "error"}


def _key(key: str) -> str:
    return KEY_PREFIX + hashlib.sha1(key.encode("utf-8")).hexdigest()
