"""bench/fanout: 200 distinct places against a local server taking 50 ms each.

Sequential wall time, then the fan-out (PlaceResolver over a bounded thread pool)
with 4, 16 and 32 workers beside the ideal (places / workers x 50 ms), with the
rate limit above what the fan-out reaches; then the same with the limit at 20
requests/s, which must take at least 200 / 20 = 10 s and at most 5% more.

The baseline, measured in the same run against the same server, is the plainest
fan-out there is: a ThreadPoolExecutor mapping `session.get` with one requests
Session per thread. 200 places over 32 workers take at least 7 rounds of 50 ms,
so the "round floor" (ceil(places / workers) x 50 ms) is printed beside the ideal.

    .venv/bin/python -m bench.fanout
"""

from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.stub_geocoder import serve
from main.resources.geo.locationiq import LocationIQGeocoder
from main.service.cache import LocalCache
from main.service.places import PlaceResolver
from main.util.rate_limit import RateLimiter

PLACES = [f"Town {n}, California, U.S." for n in range(200)]
DELAY = 0.05


def run(url: str, workers: int, per_second: int) -> float:
    geocoder = LocationIQGeocoder("bench", url, RateLimiter({1.0: per_second}), concurrency=workers)
    resolver = PlaceResolver(geocoder, LocalCache(1000, 600))
    started = time.perf_counter()
    found = resolver.resolve_many(PLACES)
    elapsed = time.perf_counter() - started
    assert len(found) == len(PLACES) and all(p.resolved for p in found.values())
    return elapsed


def plain(url: str, workers: int) -> float:
    local = threading.local()

    def get(place: str) -> object:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session.get(f"{url}/search", params={"q": place, "format": "json"}).json()

    with ThreadPoolExecutor(workers) as pool:
        started = time.perf_counter()
        list(pool.map(get, PLACES))
        return time.perf_counter() - started


def main() -> None:
    server, url = serve(DELAY)
    try:
        sequential = run(url, 1, 10_000)
        print(f"bench/fanout: {len(PLACES)} distinct places, {DELAY * 1000:.0f} ms each")
        columns = ("workers", "wall s", "plain s", "ideal s", "floor s", "x ideal", "x floor", "x plain")
        print(" ".join(f"{c:>8}" for c in columns))
        for workers in (1, 4, 16, 32):
            wall = sequential if workers == 1 else run(url, workers, 10_000)
            baseline = plain(url, workers)
            ideal = len(PLACES) / workers * DELAY
            floor = math.ceil(len(PLACES) / workers) * DELAY
            figures = (wall, baseline, ideal, floor, wall / ideal, wall / floor, wall / baseline)
            print(f"{workers:>8} " + " ".join(f"{f:>8.2f}" for f in figures))
        limited = run(url, 16, 20)
        floor = len(PLACES) / 20
        print(
            f"rate limit 20/s, 16 workers: {limited:.2f} s (floor {floor:.0f} s, {limited / floor - 1:+.1%})"
        )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
