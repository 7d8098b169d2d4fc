"""The sync worker as a process (`python -m main.worker`) against a real broker:
crashes, restarts, shutdowns and competitors never lose or duplicate an event."""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest

from main.resources.sqlite.store import SqliteGraphStore
from test.e2e.workers import StreamPublisher, catches_sigterm, expected_graph, queues_drained, start_worker
from test.helpers import random_history, snapshot, wait_until
from test.resources.test_rabbit_worker import dead_letters

PLACES = (
    "Berlin, Germany",
    "Tel Aviv, Israel",
    "Santa Clara, California, U.S.",
    "Montabaur , Germany",
    "Tokyo, Japan",
    "Nowhere in particular",
)


def graph_of(graph_url: str) -> tuple[dict, set]:
    store = SqliteGraphStore(graph_url)
    try:
        return snapshot(store)
    finally:
        store.close()


def converge_then_stop(graph_url: str, amqp_url: str, expected: tuple[dict, set], *workers) -> list[int]:
    """Wait until the queues are empty and the graph is the expected one; stop the workers anyway."""
    try:
        wait_until(
            lambda: queues_drained(amqp_url) and graph_of(graph_url) == expected, timeout=120, interval=0.5
        )
    finally:
        for worker in workers:
            # a worker started just now may still be in the interpreter's own start-up
            wait_until(lambda: catches_sigterm(worker), timeout=30, interval=0.01)  # noqa: B023
            worker.send_signal(signal.SIGTERM)
        codes = [worker.wait(30) for worker in workers]
    return codes


def test_sigkill_at_random_points_loses_and_duplicates_nothing(tmp_path: Path, amqp_url, geocoder) -> None:
    rng = random.Random(5000)
    events = random_history(rng, companies=400, length=5000, places=PLACES)
    expected = expected_graph(events, geocoder, tmp_path / "expected.db")
    graph_url = f"sqlite:///{tmp_path}/graph.db"
    log = tmp_path / "worker.log"
    worker = start_worker(graph_url, amqp_url, log)
    publisher = StreamPublisher(amqp_url, events)
    publisher.start()
    kills = 0
    while kills < 3:
        time.sleep(rng.uniform(0.5, 2.0))
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        kills += 1
        worker = start_worker(graph_url, amqp_url, log)
    publisher.join(120)
    assert converge_then_stop(graph_url, amqp_url, expected, worker) == [0]
    assert publisher.confirmed == len(events)
    assert dead_letters(amqp_url) == []


def test_sigterm_with_messages_in_flight_acks_or_requeues_them(tmp_path: Path, amqp_url, geocoder) -> None:
    events = random_history(random.Random(7), companies=200, length=2000, places=PLACES)
    expected = expected_graph(events, geocoder, tmp_path / "expected.db")
    graph_url = f"sqlite:///{tmp_path}/graph.db"
    log = tmp_path / "worker.log"
    publisher = StreamPublisher(amqp_url, events)
    publisher.start()
    worker = start_worker(graph_url, amqp_url, log)
    wait_until(lambda: publisher.confirmed > 500, timeout=30)
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0, log.read_text()[-3000:]
    assert time.monotonic() - started < 30
    publisher.join(60)
    worker = start_worker(graph_url, amqp_url, log)
    assert converge_then_stop(graph_url, amqp_url, expected, worker) == [0]
    assert dead_letters(amqp_url) == []


def test_competing_workers_end_with_the_graph_of_the_true_order(tmp_path: Path, amqp_url, geocoder) -> None:
    events = random_history(random.Random(11), companies=100, length=3000, places=PLACES)
    expected = expected_graph(events, geocoder, tmp_path / "expected.db")
    graph_url = f"sqlite:///{tmp_path}/graph.db"
    workers = [
        start_worker(graph_url, amqp_url, tmp_path / f"worker{n}.log", WORKER_BATCH="20") for n in range(2)
    ]
    publisher = StreamPublisher(amqp_url, events)
    publisher.start()
    publisher.join(120)
    assert converge_then_stop(graph_url, amqp_url, expected, *workers) == [0, 0]


@pytest.mark.usefixtures("geocoder")
def test_the_worker_reconnects_by_itself_after_a_broker_restart(
    tmp_path: Path, rabbit_node, amqp_url, geocoder
):
    events = random_history(random.Random(3), companies=100, length=1500, places=PLACES)
    expected = expected_graph(events, geocoder, tmp_path / "expected.db")
    graph_url = f"sqlite:///{tmp_path}/graph.db"
    log = tmp_path / "worker.log"
    worker = start_worker(graph_url, amqp_url, log)
    publisher = StreamPublisher(amqp_url, events, pause=0.002)
    publisher.start()
    wait_until(lambda: publisher.confirmed > 300, timeout=30)
    rabbit_node.stop()
    rabbit_node.start()
    publisher.join(180)
    assert converge_then_stop(graph_url, amqp_url, expected, worker) == [0]
    assert publisher.reconnects > 0
    assert "reconnecting" in log.read_text()


@pytest.mark.parametrize("after", [0.3, 0.8, 1.5])
def test_a_worker_asked_to_stop_while_it_starts_exits_cleanly(tmp_path: Path, amqp_url, after: float) -> None:
    """Kubernetes may stop a pod the moment it started (a rollout, a scale-down). From the
    worker's first line on: before it, the interpreter itself is starting and the signal's
    default action is all there is."""
    worker = start_worker(f"sqlite:///{tmp_path}/graph.db", amqp_url, tmp_path / "worker.log")
    time.sleep(after)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0
