"""bench/ingest: how fast events flow from RabbitMQ into the SQLite graph, against two ceilings.

For N events (20,000 by default), in one run and on one broker:
  (a) the raw pika consume-and-ack rate, with the worker's prefetch and acks every 50;
  (b) the raw rate at which the store absorbs the same graph writes (prepared
      changes, batched as the worker batches them; no broker, no validation);
  (c) the worker itself: broker -> validation -> offline resolver -> SQLite, acks included.
It prints all three and (c) / min(a, b), then repeats (b) and (c) with the store
already holding more companies (loaded directly through the store).

    .venv/bin/python -m bench.ingest                      # 20,000 events, empty store
    .venv/bin/python -m bench.ingest --sizes 0,100000,1000000
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pika

from main.bootstrap import bindings, bootstrap, build_consumer
from main.controller.cli import DEMO_FILE
from main.resources.rabbit.bulk_publisher import BulkPublisher
from main.resources.sqlite_store import SqliteGraphStore
from main.schema.events import load_event
from main.service.changes import build_change
from main.service.places import location_key
from main.service.ports import Delivery
from main.util.config import Settings
from test.servers import RabbitNode

PREFETCH = 500
BATCH = 200
QUEUE = "q.events.sync-service.company-created"


def make_events(count: int, prefix: str, seed: int = 1) -> list[dict]:
    """Creates of new companies, shaped like the demo data (same messy locations and industries)."""
    rng = random.Random(seed)
    templates = [json.loads(line)["data"] for line in DEMO_FILE.read_text().splitlines()[:320]]
    events = []
    for number in range(count):
        data = dict(rng.choice(templates))
        data["id"] = f"{prefix}-{number:07d}"
        events.append(
            {
                "eventId": f"{prefix}-{number}",
                "eventType": "company-created",
                "occurredAt": "2026-11-01T00:00:00Z",
                "data": data,
            }
        )
    return events


def publish(url: str, events: list[dict]) -> float:
    started = time.perf_counter()
    deliveries = ((n, Delivery(e["eventType"], json.dumps(e).encode(), {})) for n, e in enumerate(events))
    result = BulkPublisher(url, bindings()).publish(deliveries)
    assert result.confirmed == len(events), result.refused[:3]
    return len(events) / (time.perf_counter() - started)


def raw_consume_rate(url: str, count: int) -> float:
    """(a) pika alone: consume and ack (every 50, multiple) what is on the queue."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=PREFETCH)
    seen = 0
    started = time.perf_counter()
    for method, _props, _body in channel.consume(QUEUE, inactivity_timeout=5):
        if method is None:
            break
        seen += 1
        if seen % 50 == 0 or seen == count:
            channel.basic_ack(method.delivery_tag, multiple=True)
        if seen == count:
            break
    rate = seen / (time.perf_counter() - started)
    channel.cancel()
    connection.close()
    return rate


def prepared_changes(container, events: list[dict]) -> list:
    """The worker's graph writes, computed up front: places resolved once per distinct location."""
    loaded = [load_event(e) for e in events]
    places = container.sync.places.resolve_many(e.data.get("location") for e in loaded)
    return [build_change(e, places[location_key(e.data.get("location"))]) for e in loaded]


def raw_store_rate(store: SqliteGraphStore, changes: list) -> float:
    """(b) the store alone absorbing the same writes, batched as the worker batches them."""
    started = time.perf_counter()
    for start in range(0, len(changes), BATCH):
        store.apply(changes[start : start + BATCH])
    return len(changes) / (time.perf_counter() - started)


def worker_rate(container, url: str, count: int) -> float:
    """(c) the real worker, from a queue already holding `count` events to the last ack."""
    consumer = build_consumer(container)
    done = threading.Event()
    handle = consumer.handler
    applied = [0]

    def counting(deliveries):
        verdicts = handle(deliveries)
        applied[0] += len(deliveries)
        if applied[0] >= count:
            done.set()
        return verdicts

    consumer.handler = counting
    started = time.perf_counter()
    thread = threading.Thread(target=consumer.run)
    thread.start()
    done.wait(600)
    elapsed = time.perf_counter() - started
    consumer.stop()
    thread.join()
    return count / elapsed


def preload(store: SqliteGraphStore, container, size: int) -> None:
    """Fill the store with `size` companies directly (fast), in chunks to bound memory."""
    chunk = 10_000
    for start in range(0, size, chunk):
        events = make_events(min(chunk, size - start), f"pre{start}", seed=start)
        changes = prepared_changes(container, events)
        for offset in range(0, len(changes), 1000):
            store.apply(changes[offset : offset + 1000])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--sizes", default="0", help="store sizes to measure at, comma-separated")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    node = RabbitNode(Path(tempfile.mkdtemp(prefix="company-graph-rabbitmq-")))
    node.start()
    try:
        print(f"bench/ingest: {args.events} events, prefetch {PREFETCH}, batches of {BATCH}")
        print(f"{'store size':>12} {'(a) pika':>12} {'(b) store':>12} {'(c) worker':>12} {'c/min(a,b)':>11}")
        store_url = f"sqlite:///{work}/graph.db"
        loaded = 0
        for size in (int(s) for s in args.sizes.split(",")):
            settings = Settings.from_env(
                {
                    "GRAPH_URL": store_url,
                    "API_KEYS": "bench",
                    "LOG_LEVEL": "WARNING",
                    "WORKER_PREFETCH": str(PREFETCH),
                    "WORKER_BATCH": str(BATCH),
                }
            )
            url = node.url(node.new_vhost())
            container = bootstrap(replace_amqp(settings, url), consume=False)
            container.geocoder.warm()
            if size > loaded:
                preload(container.store, container, size - loaded)
                loaded = size
            events = make_events(args.events, f"run{size}")
            publish(url, events)
            a = raw_consume_rate(url, args.events)
            shadow = SqliteGraphStore(f"sqlite:///{work}/shadow-{size}.db")
            if size:
                shutil.copy(f"{work}/graph.db", f"{work}/shadow-{size}.db")
            b = raw_store_rate(shadow, prepared_changes(container, make_events(args.events, f"raw{size}")))
            shadow.close()
            publish(url, events)
            c = worker_rate(container, url, args.events)
            container.close()
            print(f"{size:>12,} {a:>12,.0f} {b:>12,.0f} {c:>12,.0f} {c / min(a, b):>10.0%}")
    finally:
        node.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(node.base, ignore_errors=True)


def replace_amqp(settings: Settings, url: str) -> Settings:
    from dataclasses import replace

    return replace(settings, amqp_url=url)


if __name__ == "__main__":
    main()
