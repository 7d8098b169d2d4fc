"""Queue depth and consumer count, read from the broker when Prometheus scrapes the worker.

Read at scrape time (a passive declare per queue, on a connection of its own), not kept
by a timer: the figures are as fresh as the scrape and cost nothing between scrapes.
Every worker reports the same queues, so rules aggregate them with `max by (queue)`. A
broker that does not answer gives no sample (and `broker_up 0`), never a stale one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence

import pika
from pika.exceptions import AMQPError
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from main.resources.rabbit.connection import parameters

log = logging.getLogger(__name__)


class QueueMetrics(Collector):
    def __init__(self, url: str, queues: Sequence[str]) -> None:
        self.url = url
        self.queues = list(queues)
        self._connection: pika.BlockingConnection | None = None
        self._lock = threading.Lock()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("broker_queue_messages", "Messages ready in a queue", labels=["queue"])
        consumers = GaugeMetricFamily("broker_queue_consumers", "Consumers of a queue", labels=["queue"])
        with self._lock:
            found = self._read_once_more_if_stale()
        for queue, (messages, count) in found.items():
            depth.add_metric([queue], messages)
            consumers.add_metric([queue], count)
        up = 1 if found else 0
        yield depth
        yield consumers
        yield GaugeMetricFamily("broker_up", "Whether the broker answered the last scrape", value=up)

    def close(self) -> None:
        if self._connection is not None and self._connection.is_open:
            self._connection.close()
        self._connection = None

    def _read_once_more_if_stale(self) -> dict[str, tuple[int, int]]:
        """The kept connection may have died between scrapes: a fresh one gets one more try."""
        for attempt in (1, 2):
            try:
                return self._read()
            except (AMQPError, OSError) as exc:
                self.close()
                if attempt == 2:
                    log.warning("queue metrics not read: %r", exc)
        return {}

    def _read(self) -> dict[str, tuple[int, int]]:
        if self._connection is None or not self._connection.is_open:
            params = parameters(self.url)
            params.heartbeat = 0  # idle between scrapes, with nobody to answer heartbeats
            self._connection = pika.BlockingConnection(params)
        channel = self._connection.channel()
        try:
            found = {}
            for queue in self.queues:
                declared = channel.queue_declare(queue, passive=True).method
                found[queue] = (declared.message_count, declared.consumer_count)
            return found
        finally:
            if channel.is_open:
                channel.close()
