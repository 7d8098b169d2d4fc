"""bench/fanout: 200 distinct places against a local server taking 50 ms each.

Sequential wall time, then the fan-out (PlaceResolver over a bounded thread pool)
with 4, 16 and 32 workers beside the ideal (places / workers x 50 ms), with the
rate limit above what the fan-out reaches; then the same with the limit at 20
requests/s, which must take at least 200 / 20 = 10 s and at most 5% more.

    .venv/bin/python -m bench.fanout
"""

from __future__ import annotations

import time

from bench.stub_geocoder import serve
from main.resources.locationiq import LocationIQGeocoder
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


def main() -> None:
    server, url = serve(DELAY)
    try:
        sequential = run(url, 1, 10_000)
        print(f"bench/fanout: {len(PLACES)} distinct places, {DELAY * 1000:.0f} ms each")
        print(f"{'workers':>8} {'wall s':>8} {'ideal s':>8} {'x ideal':>8}")
        serial = len(PLACES) * DELAY
        print(f"{1:>8} {sequential:>8.2f} {serial:>8.2f} {sequential / serial:>8.2f}")
        for workers in (4, 16, 32):
            wall = run(url, workers, 10_000)
            ideal = len(PLACES) / workers * DELAY
            print(f"{workers:>8} {wall:>8.2f} {ideal:>8.2f} {wall / ideal:>8.2f}")
        limited = run(url, 16, 20)
        floor = len(PLACES) / 20
        print(
            f"rate limit 20/s, 16 workers: {limited:.2f} s (floor {floor:.0f} s, {limited / floor - 1:+.1%})"
        )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
