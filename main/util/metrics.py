"""Prometheus metrics, the same names in every process (API workers, the sync worker).

Several uWSGI processes serve the API, and a scrape reaches one of them: so where
`PROMETHEUS_MULTIPROC_DIR` is set (the uWSGI master sets it before anything imports
prometheus_client: main/util/metrics_dir.py) each process writes its values to files there, and
`exposition()` sums every process's. Elsewhere (tests, the CLI) the process's own
registry is served. Names follow Prometheus' conventions: units in the name, `_total` on
counters.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.registry import Collector

from main.util.metrics_dir import MULTIPROCESS_ENV

SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

http_requests = Counter(
    "http_requests_total",
    "HTTP requests answered, by route template and status",
    ["method", "route", "status"],
)
http_duration = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request", ["method", "route"], buckets=SECONDS
)
cache_requests = Counter(
    "cache_requests_total", "Cache lookups by tier and result (hit, miss, error)", ["tier", "result"]
)
events = Counter(
    "events_total",
    "Events handled, by routing key and outcome (applied, stale, duplicate, retried, dead-lettered)",
    ["routing_key", "outcome"],
)
published = Counter(
    "events_published_total", "Events published to the bus, by result (confirmed, refused)", ["result"]
)
geocoder_calls = Counter("geocoder_requests_total", "Calls to the upstream geocoder, by status", ["status"])
geocoder_duration = Histogram(
    "geocoder_request_duration_seconds", "Time an upstream geocoder call took", buckets=SECONDS
)
batch_size = Histogram(
    "worker_batch_size_events",
    "Events applied per store transaction",
    buckets=(1, 5, 10, 25, 50, 100, 200, 500),
)
dependency_up = Gauge(
    "dependency_up",
    "Whether a dependency answered the last readiness check (1) or not (0)",
    ["dependency"],
    multiprocess_mode="livemostrecent",
)
batch_duration = Histogram("worker_batch_duration_seconds", "Time to apply one batch", buckets=SECONDS)


def exposition() -> tuple[bytes, str]:
    """The text format of every metric, summed over the server's processes where there are several."""
    return generate_latest(_registry()), CONTENT_TYPE_LATEST


def serve(port: int, address: str = "0.0.0.0", collectors: Sequence[Collector] = ()) -> None:
    """A port of the process's own for Prometheus (the sync worker, which has no HTTP API),
    with `collectors` that read their figures when scraped (the broker's queues)."""
    registry = _registry()
    for collector in collectors:
        registry.register(collector)
    start_http_server(port, addr=address, registry=registry)


def _registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY
