"""In-process cache tier: a cachetools TTL cache behind a lock (cachetools is not thread-safe).

Entries are bounded in count (LRU eviction) and in age (TTL), so a process that
did not apply a change itself serves it stale for at most the TTL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

import cachetools

_MISSING = object()


class LocalCache:
    def __init__(self, maxsize: int, ttl: float, timer: Callable[[], float] | None = None) -> None:
        kwargs = {"timer": timer} if timer else {}
        self._cache: cachetools.TTLCache = cachetools.TTLCache(maxsize=maxsize, ttl=ttl, **kwargs)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any:
        """The cached value, or `MISSING`; None is a value like any other."""
        with self._lock:
            value = self._cache.get(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def set(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._cache[key] = value

    def delete(self, key: Hashable) -> None:
        with self._lock:
            self._cache.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def get_or_load(
        self, key: Hashable, load: Callable[[], Any], cache_if: Callable[[Any], bool] = bool
    ) -> Any:
        """Serve from the cache or call `load`; only values `cache_if` accepts are kept."""
        value = self.get(key)
        if value is _MISSING:
            value = load()
            if cache_if(value):
                self.set(key, value)
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._cache)


MISSING = _MISSING
