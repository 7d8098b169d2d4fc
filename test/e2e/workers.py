"""Helpers for driving real worker processes: start, kill, publish a stream, compare graphs."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pika
from pika.exceptions import AMQPError

from main.bootstrap import bootstrap
from main.schema.loading import load_event
from main.util.config import Settings
from test.helpers import snapshot

ROOT = Path(__file__).resolve().parents[2]
QUEUES = [f"q.events.sync-service.company-{kind}" for kind in ("created", "updated", "deleted")]


# Every process a test starts, so that none outlives its test whatever fails first (`reap`).
started: list[subprocess.Popen] = []


def reap(keep: int = 0) -> None:
    """Kill what was started after the first `keep` processes: each in a session of its own,
    with all its children."""
    while len(started) > keep:
        process = started.pop()
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def start_worker(graph_url: str, amqp_url: str, log: Path, **env: str) -> subprocess.Popen:
    return track(
        subprocess.Popen(
            [sys.executable, "-m", "main.worker"],
            cwd=ROOT,
            env={
                **os.environ,
                "GRAPH_URL": graph_url,
                "AMQP_URL": amqp_url,
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
                "METRICS_PORT": "0",  # workers run side by side here; a test that scrapes sets one
                **env,
            },
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    )


def catches_sigterm(process: subprocess.Popen) -> bool:
    """Whether the process has a handler of its own for SIGTERM (its `SigCgt` mask): from its
    first line of Python on (main/worker/__main__.py) it has. Before that the interpreter is
    still starting, and a SIGTERM's default action ends it with -15."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
    except OSError:
        return process.poll() is not None
    caught = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught, 16) & (1 << (signal.SIGTERM - 1)))


def track(process: subprocess.Popen) -> subprocess.Popen:
    started.append(process)
    return process


class StreamPublisher(threading.Thread):
    """Publishes events one by one with confirms, reconnecting through broker restarts.

    An event whose confirm was lost with the connection is published again: the
    worker must make that duplicate harmless.
    """

    def __init__(self, url: str, events: list[dict], pause: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.url, self.events, self.pause = url, events, pause
        self.confirmed = 0
        self.reconnects = 0

    def run(self) -> None:
        channel = None
        index = 0
        while index < len(self.events):
            try:
                if channel is None:
                    connection = pika.BlockingConnection(pika.URLParameters(self.url))
                    channel = connection.channel()
                    channel.confirm_delivery()
                event = self.events[index]
                props = pika.BasicProperties(delivery_mode=2, content_type="application/json")
                channel.basic_publish(
                    "ex.events", event["eventType"], json.dumps(event).encode(), props, mandatory=True
                )
                index += 1
                self.confirmed = index
                if self.pause:
                    time.sleep(self.pause)
            except AMQPError:
                channel = None
                self.reconnects += 1
                time.sleep(0.5)
        connection.close()


def expected_graph(events: list[dict], geocoder, path: Path) -> tuple[dict, set]:
    """The graph built by applying the same events in order, in process, without a broker, in
    the memory store."""
    settings = Settings.from_env({"GRAPH_URL": "memory://", "VAR_DIR": str(path.parent), "API_KEYS": "k"})
    container = bootstrap(settings, geocoder=geocoder, consume=False)
    for event in events:
        container.sync.apply(load_event(event))
    graph = snapshot(container.store)
    container.close()
    return graph


def _queues(url: str) -> list | None:
    """The broker's view of each of the worker's queues (passive declares), None before any exists."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        return [channel.queue_declare(q, passive=True).method for q in QUEUES]
    except AMQPError:
        return None  # not declared yet: no worker or publisher has started
    finally:
        if connection.is_open:
            connection.close()


def consuming(url: str, workers: int = 1) -> bool:
    """Every queue of the worker has at least `workers` consumers: the workers are up and taking messages."""
    queues = _queues(url)
    return queues is not None and all(q.consumer_count >= workers for q in queues)


def queues_drained(url: str) -> bool:
    """No message ready or unacknowledged on any of the worker's queues."""
    queues = _queues(url)
    return queues is not None and all(q.message_count == 0 for q in queues)
