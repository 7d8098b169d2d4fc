"""In-process cache tier: a cachetools TTL cache behind a lock (cachetools is not thread-safe).

Entries are bounded in count (LRU eviction) and in age (TTL), so a process that
did not apply a change itself serves it stale for at most the TTL.

A fill that began before a clear or a delete is not kept: with several request threads,
one thread could store what it read just before a commit that another thread had already
dropped the cache for, and serve it until the TTL (a 200 after a delete, test_freshness).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

import cachetools

from main.util import metrics

_MISSING = object()


class LocalCache:
    def __init__(
        self, maxsize: int, ttl: float, timer: Callable[[], float] | None = None, tier: str = "local"
    ) -> None:
        kwargs = {"timer": timer} if timer else {}
        self._cache: cachetools.TTLCache = cachetools.TTLCache(maxsize=maxsize, ttl=ttl, **kwargs)
        self._lock = threading.Lock()
        self._epoch = 0  # moves on every clear and delete
        self.hits = 0
        self.misses = 0
        self._hit = metrics.cache_requests.labels(tier, "hit")
        self._miss = metrics.cache_requests.labels(tier, "miss")

    def get(self, key: Hashable) -> Any:
        """The cached value, or `MISSING`; None is a value like any other."""
        with self._lock:
            value = self._cache.get(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
                self._miss.inc()
            else:
                self.hits += 1
                self._hit.inc()
            return value

    def set(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._cache[key] = value

    def delete(self, key: Hashable) -> None:
        with self._lock:
            self._cache.pop(key, None)
            self._epoch += 1

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._epoch += 1

    def get_or_load(
        self, key: Hashable, load: Callable[[], Any], cache_if: Callable[[Any], bool] = bool
    ) -> Any:
        """Serve from the cache or call `load`; only values `cache_if` accepts are kept."""
        value = self.get(key)
        if value is _MISSING:
            since = self._epoch
            value = load()
            if cache_if(value):
                with self._lock:
                    if self._epoch == since:  # not cleared nor deleted from while it loaded
                        self._cache[key] = value
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)


MISSING = _MISSING
