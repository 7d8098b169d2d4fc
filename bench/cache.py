"""bench/cache: the cost of one company lookup at each tier.

In-process hit (cachetools behind a lock), memcached hit (pymemcache, JSON, over
loopback), and a store read (SQLite, by primary key), each over the same 1,000
companies, with the ratio to the in-process hit measured in the same run.

    .venv/bin/python -m bench.cache
"""

from __future__ import annotations

import tempfile
import time

from main.bootstrap import bootstrap
from main.resources.memcached_cache import MemcachedCache
from main.schema.loading import load_event
from main.service.cache import LocalCache
from main.util.config import Settings
from test.servers import MemcachedServer
from test.service.fakes import FakeGeocoder

COMPANIES = 1000
ROUNDS = 10


def per_lookup(lookup, keys: list[str]) -> float:
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for key in keys:
            lookup(key)
    return (time.perf_counter() - started) / (ROUNDS * len(keys)) * 1e6


def main() -> None:
    work = tempfile.mkdtemp(prefix="bench-cache-")
    settings = Settings.from_env(
        {"GRAPH_URL": f"sqlite:///{work}/graph.db", "VAR_DIR": work, "API_KEYS": "k"}
    )
    container = bootstrap(settings, geocoder=FakeGeocoder(), consume=False)
    store, sync = container.store, container.sync
    keys = [f"C{n:05d}" for n in range(COMPANIES)]
    sync.apply_batch(
        [
            load_event(
                {
                    "eventType": "company-created",
                    "data": {
                        "id": key,
                        "name": f"Company {key}",
                        "industry": ["Software", "AI"],
                        "location": "Berlin",
                        "description": "x" * 200,
                        "website": "https://example.com",
                        "employees": 100,
                    },
                }
            )
            for key in keys
        ]
    )
    server = MemcachedServer()
    server.start()
    try:
        memcached = MemcachedCache((server.address,))
        local = LocalCache(COMPANIES * 2, 600)
        for key in keys:
            company = store.get_company(key)
            local.set(key, company)
            memcached.set(f"company:{key}", company)
        tiers = {
            "in-process hit": per_lookup(local.get, keys),
            "memcached hit": per_lookup(lambda k: memcached.get(f"company:{k}"), keys),
            "store read": per_lookup(store.get_company, keys),
        }
        assert memcached.stats["errors"] == 0 and memcached.stats["misses"] == 0
        base = tiers["in-process hit"]
        print(f"bench/cache: {COMPANIES} companies x {ROUNDS} rounds")
        print(f"{'tier':>16} {'us/lookup':>10} {'x in-process':>13}")
        for name, micros in tiers.items():
            print(f"{name:>16} {micros:>10.1f} {micros / base:>13.1f}")
        memcached.close()
    finally:
        server.stop()
        container.close()


if __name__ == "__main__":
    main()
