"""`AMQP_URL=memory://`: the embedded bus, feeding the processors from one background thread.

It keeps RabbitMQ's dispositions: a dead letter is kept with its reason (and
logged), an outage is retried with capped backoff for a time budget before it
is dead-lettered. Messages live in memory only: a clean shutdown drains them,
a crash loses what was not yet applied, which is why production uses RabbitMQ.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from dataclasses import replace

from main.service.errors import Unavailable
from main.service.ports import Delivery, Disposition, EventBus, Handler
from main.util import tracing
from main.util.config import RETRY_BUDGET_SECONDS
from main.util.threads import background_thread

log = logging.getLogger(__name__)

_STOP = object()


class MemoryBus(EventBus):
    def __init__(
        self,
        retry_budget_seconds: float = RETRY_BUDGET_SECONDS,
        max_delay: float = 5.0,
        keep_dead: int = 10_000,
    ) -> None:
        self.retry_budget_seconds = retry_budget_seconds
        self.max_delay = max_delay
        self.dead_letters: collections.deque[tuple[Delivery, str]] = collections.deque(maxlen=keep_dead)
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._closed = False

    def publish(self, delivery: Delivery) -> None:
        if self._closed:
            raise Unavailable("the in-process bus is shut down")
        if not tracing.enabled():
            self._queue.put(delivery)
            return
        attributes = {"messaging.system": "memory"}
        with tracing.span(f"publish {delivery.routing_key}", tracing.PRODUCER, attributes):
            self._queue.put(replace(delivery, headers=tracing.inject(delivery.headers)))

    def consume(self, handler: Handler) -> None:
        self._thread = background_thread(self._run, "memory-bus", handler)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every published message has been handled; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def close(self) -> None:
        self._closed = True
        if self._thread and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout=30)

    def _run(self, handler: Handler) -> None:
        while True:
            delivery = self._queue.get()
            try:
                if delivery is _STOP:
                    return
                self._handle(handler, delivery)
            finally:
                self._queue.task_done()

    def _handle(self, handler: Handler, delivery: Delivery) -> None:
        give_up_at = time.monotonic() + self.retry_budget_seconds
        delay = 0.05
        while True:
            verdict = handler(delivery)
            if verdict.disposition is Disposition.ACK:
                return
            if verdict.disposition is Disposition.DEAD_LETTER or time.monotonic() + delay > give_up_at:
                reason = (
                    verdict.reason
                    if verdict.disposition is Disposition.DEAD_LETTER
                    else (f"gave up after {self.retry_budget_seconds:g}s of retries: {verdict.reason}")
                )
                self.dead_letters.append((delivery, reason))
                log.warning("dead-lettered a %s message: %s", delivery.routing_key, reason)
                return
            time.sleep(delay)
            delay = min(delay * 2, self.max_delay)
