"""The shared cache tier against real memcached servers: JSON values, safe keys, outages as misses."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pymemcache.client.base import Client

from main.bootstrap import bootstrap
from main.resources.memcached_cache import KEY_PREFIX, MemcachedCache
from main.schema.loading import load_event
from main.service.cache import MISSING
from test.helpers import company_event, wait_until
from test.servers import MemcachedServer


def test_values_round_trip_as_json_under_short_safe_keys(memcached) -> None:
    cache = MemcachedCache((memcached.address,))
    long_key = "company:" + "x y " * 200
    cache.set(long_key, {"name": "Acme", "tags": ["a", "b"], "n": 1})
    assert cache.get(long_key) == {"name": "Acme", "tags": ["a", "b"], "n": 1}
    assert cache.get("never set") is MISSING
    keys = Client(("127.0.0.1", memcached.port)).stats("items")
    assert keys, "something was stored"
    assert cache.stats == {"hits": 1, "misses": 1, "errors": 0}
    assert KEY_PREFIX.startswith("cg:v")
    cache.close()


def test_keys_spread_over_several_servers_and_a_batch_drops_its_own_on_each() -> None:
    servers = [MemcachedServer(), MemcachedServer()]
    for server in servers:
        server.start()
    try:
        cache = MemcachedCache(tuple(s.address for s in servers))
        for number in range(200):
            cache.set(f"company:{number}", number)
        counts = [int(Client(("127.0.0.1", s.port)).stats()[b"curr_items"]) for s in servers]
        assert sum(counts) == 200 and min(counts) > 30
        assert all(cache.get(f"company:{n}") == n for n in range(200))
        cache.delete_many([f"company:{n}" for n in range(150)])
        wait_until(lambda: all(cache.get(f"company:{n}") is MISSING for n in range(150)), timeout=2)
        assert all(cache.get(f"company:{n}") == n for n in range(150, 200))
        cache.close()
    finally:
        for server in servers:
            server.stop()


def test_memcached_down_is_a_miss_and_back_up_is_used_again(settings, geocoder, memcached) -> None:
    shared = MemcachedCache((memcached.address,), dead_timeout=0.5)
    container = bootstrap(settings, geocoder=geocoder, shared=shared)
    container.sync.apply(load_event(company_event(company_id="acme", name="Acme")))
    memcached.stop()
    container.lookup.companies.clear()
    assert container.lookup.get("acme")["name"] == "Acme"
    assert shared.stats["errors"] >= 1
    memcached.start()

    def used_again() -> bool:
        container.lookup.companies.clear()
        hits = shared.stats["hits"]
        container.lookup.get("acme")
        return shared.stats["hits"] > hits

    wait_until(used_again, timeout=10, interval=0.2)
    container.close()


def test_an_update_by_the_worker_reaches_a_second_api_process_within_the_local_ttl(
    settings, geocoder, memcached
):
    shared_settings = replace(settings, memcached_servers=(memcached.address,), cache_ttl_seconds=1.0)
    worker = bootstrap(shared_settings, geocoder=geocoder, consume=False)
    api = bootstrap(shared_settings, geocoder=geocoder, consume=False)
    worker.sync.apply(
        load_event(company_event(company_id="acme", name="Old", occurred_at="2026-01-01T00:00:00Z"))
    )
    assert api.lookup.get("acme")["name"] == "Old"
    worker.sync.apply(
        load_event(company_event("company-updated", "acme", "2026-01-02T00:00:00Z", name="New"))
    )
    assert worker.lookup.shared.get("company:ACME") is MISSING, "the worker dropped the shared entry"
    wait_until(lambda: api.lookup.get("acme")["name"] == "New", timeout=1.5, interval=0.05)
    worker.close()
    api.close()


@pytest.mark.parametrize("servers", [("127.0.0.1:1",)])
def test_an_unreachable_server_never_fails_a_lookup(settings, geocoder, servers) -> None:
    container = bootstrap(replace(settings, memcached_servers=servers), geocoder=geocoder)
    container.sync.apply(load_event(company_event(company_id="acme", name="Acme")))
    assert container.lookup.get("acme")["name"] == "Acme"
    assert container.counters()["memcached"]["errors"] >= 1
    container.close()
