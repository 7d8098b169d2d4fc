"""bench/ingest: how fast events flow from RabbitMQ into the SQLite graph, against two ceilings.

For N events (20,000 by default), in one run and on one broker:
  (a) the raw pika consume-and-ack rate, with the worker's prefetch and acks every 50;
  (b) the raw rate at which the store absorbs the same graph writes (prepared
      changes, batched as the worker batches them; no broker, no validation);
  (c) the worker itself: broker -> validation -> offline resolver -> SQLite, acks included;
  (cN) N competing `python -m main.worker` processes on the same queues and file
      (--workers, 2 by default), timed from their first applied event to the last.
It prints them and (c) / min(a, b), then repeats (b) and (c) with the store
already holding more companies (loaded directly through the store). (a), (b) and
(c) run --repeat times each (3 by default) and the best of each is shown: this
machine's figures move by 20% from one run to the next, and the best run is the
least disturbed one.

First, publishing the same events as persistent messages: the bulk publisher
(asynchronous confirms, up to 1,000 in flight) beside waiting for each confirm
in turn and beside the unconfirmed ceiling, each into a fresh virtual host.

    .venv/bin/python -m bench.ingest                      # 20,000 events, empty store
    .venv/bin/python -m bench.ingest --sizes 0,100000,1000000
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import pika

from main.bootstrap import bindings, bootstrap
from main.controller.cli import DEMO_FILE
from main.resources.rabbit.bulk_publisher import BulkPublisher
from main.resources.rabbit.connection import open_channel
from main.resources.rabbit.topology import EVENTS_EXCHANGE
from main.resources.sqlite.store import SqliteGraphStore
from main.schema.loading import load_event
from main.service.changes import build_change
from main.service.graph_writer import GraphWriter
from main.service.places import location_key
from main.service.ports import Delivery
from main.util.config import Settings
from main.worker.process import ready_consumer, warm_up
from test.e2e.workers import start_worker
from test.servers import RabbitNode

PERSISTENT = pika.BasicProperties(delivery_mode=pika.DeliveryMode.Persistent)
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


def publish_rates(node: RabbitNode, events: list[dict]) -> tuple[float, float, float]:
    """(one confirm at a time, bulk publisher, no confirms) in messages/s, each in a fresh vhost."""
    bodies = [(e["eventType"], json.dumps(e).encode()) for e in events]
    rates = []
    for measure in (one_confirm_at_a_time, unconfirmed):
        vhost = node.new_vhost()
        rates.append(measure(node.url(vhost), bodies))
        node.ctl("delete_vhost", vhost)
    vhost = node.new_vhost()
    bulk = publish(node.url(vhost), events)
    node.ctl("delete_vhost", vhost)
    return rates[0], bulk, rates[1]


def one_confirm_at_a_time(url: str, bodies: list[tuple[str, bytes]]) -> float:
    """The first 5,000 only: at this pace 20,000 would take half a minute."""
    connection, channel = open_channel(url, bindings())
    sample = bodies[:5000]
    started = time.perf_counter()
    for routing_key, body in sample:
        channel.basic_publish(EVENTS_EXCHANGE, routing_key, body, PERSISTENT, mandatory=True)
    connection.close()
    return len(sample) / (time.perf_counter() - started)


def unconfirmed(url: str, bodies: list[tuple[str, bytes]]) -> float:
    """The ceiling: the same I/O loop as the bulk publisher (SelectConnection), no confirms."""
    open_channel(url, bindings())[0].close()
    timing: list[float] = []

    def on_channel(channel) -> None:
        timing.append(time.perf_counter())
        for routing_key, body in bodies:
            channel.basic_publish(EVENTS_EXCHANGE, routing_key, body, PERSISTENT)
        channel.connection.close()

    connection = pika.SelectConnection(
        pika.URLParameters(url),
        on_open_callback=lambda conn: conn.channel(on_open_callback=on_channel),
        on_close_callback=lambda conn, _reason: conn.ioloop.stop(),
    )
    connection.ioloop.start()
    return len(bodies) / (time.perf_counter() - timing[0])


def pika_rate(url: str, events: list[dict]) -> float:
    """(a) pika alone: consume and ack (every 50, multiple) the events, once on the queue."""
    publish(url, events)
    return raw_consume_rate(url, len(events))


def raw_consume_rate(url: str, count: int) -> float:
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
    writer = GraphWriter(store)
    started = time.perf_counter()
    for start in range(0, len(changes), BATCH):
        writer.apply(changes[start : start + BATCH])
    return len(changes) / (time.perf_counter() - started)


def copy_store(store: SqliteGraphStore, path: str) -> SqliteGraphStore:
    """A consistent copy (SQLite's backup API, WAL included) for (b) to write into."""
    target = sqlite3.connect(path)
    store.connections.get().backup(target)
    target.close()
    return SqliteGraphStore(f"sqlite:///{path}")


def worker_rate(container, url: str, events: list[dict]) -> float:
    """(c) the real worker, from a queue holding the events to the last ack."""
    publish(url, events)
    count = len(events)
    consumer = ready_consumer(container)
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


def worker_processes_rate(
    store_url: str, url: str, count: int, processes: int, prefix: str, logs: Path
) -> float:
    """(cN) real worker processes competing for the queue already holding `count` events."""
    tuning = {"WORKER_PREFETCH": str(PREFETCH), "WORKER_BATCH": str(BATCH)}
    workers = [start_worker(store_url, url, logs / f"worker-{n}.log", **tuning) for n in range(processes)]
    conn = sqlite3.connect(store_url.removeprefix("sqlite:///"), timeout=30)
    try:
        # a key range, not LIKE, so that polling walks the index instead of the table
        query = "SELECT count(*) FROM applied_event WHERE event_id > ? AND event_id < ?"

        def applied() -> int:
            return conn.execute(query, (f"{prefix}-", f"{prefix}.")).fetchone()[0]

        first = (0, 0.0)
        deadline = time.monotonic() + 600
        while (done := applied()) < count and time.monotonic() < deadline:
            if done and not first[0]:
                first = (done, time.perf_counter())
            time.sleep(0.02)
        return (done - first[0]) / (time.perf_counter() - first[1])
    finally:
        conn.close()
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)


def preload(store: SqliteGraphStore, container, size: int) -> None:
    """Fill the store with `size` companies directly (fast), in chunks to bound memory."""
    chunk, writer = 10_000, GraphWriter(store)
    for start in range(0, size, chunk):
        events = make_events(min(chunk, size - start), f"pre{start}", seed=start)
        changes = prepared_changes(container, events)
        for offset in range(0, len(changes), 1000):
            writer.apply(changes[offset : offset + 1000])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--sizes", default="0", help="store sizes to measure at, comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="competing worker processes for (cN)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of (a), (b) and (c) at each size; the best is shown"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    node = RabbitNode(Path(tempfile.mkdtemp(prefix="company-graph-rabbitmq-")))
    node.start()
    try:
        one, bulk, ceiling = publish_rates(node, make_events(args.events, "publish"))
        print(f"bench/ingest: publishing {args.events} persistent messages (messages/s)")
        print(f"  one confirm at a time {one:>9,.0f}   (first 5,000)")
        print(f"  bulk, async confirms  {bulk:>9,.0f}   {bulk / ceiling:.0%} of the ceiling")
        print(f"  no confirms (ceiling) {ceiling:>9,.0f}")
        print(f"bench/ingest: {args.events} events, prefetch {PREFETCH}, batches of {BATCH} (events/s)")
        columns = (
            "(a) pika",
            "(b) store",
            "(c) worker",
            "c/min(a,b)",
            f"(c{args.workers}) procs",
            "cN/min(a,b)",
        )
        print(f"{'store size':>12} " + " ".join(f"{c:>12}" for c in columns))
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
            warm_up(container)  # as the worker does: (b) and (c) on the same footing
            if size > loaded:
                preload(container.store, container, size - loaded)
                loaded = size
            n, tries = args.events, range(args.repeat)
            a = max(pika_rate(url, make_events(n, f"pika{size}-{t}")) for t in tries)
            shadow = copy_store(container.store, f"{work}/shadow-{size}.db")
            b = max(
                raw_store_rate(shadow, prepared_changes(container, make_events(n, f"raw{size}-{t}")))
                for t in tries
            )
            shadow.close()
            c = max(worker_rate(container, url, make_events(n, f"run{size}-{t}")) for t in tries)
            container.close()
            publish(url, make_events(args.events, f"procs{size}"))
            cn = worker_processes_rate(store_url, url, args.events, args.workers, f"procs{size}", work)
            ceiling = min(a, b)
            figures = (
                f"{a:,.0f}",
                f"{b:,.0f}",
                f"{c:,.0f}",
                f"{c / ceiling:.0%}",
                f"{cn:,.0f}",
                f"{cn / ceiling:.0%}",
            )
            print(f"{size:>12,} " + " ".join(f"{f:>12}" for f in figures))
    finally:
        node.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(node.base, ignore_errors=True)


def replace_amqp(settings: Settings, url: str) -> Settings:
    from dataclasses import replace

    return replace(settings, amqp_url=url)


if __name__ == "__main__":
    main()
