"""`AMQP_URL=amqp://...`: publish events to RabbitMQ, persistent, confirmed and mandatory.

Each process opens its connection on first use, so uWSGI workers connect after fork;
one thread of the process owns it (RabbitPublisher says why).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import AbstractContextManager

import pika
from pika.adapters.blocking_connection import BlockingChannel
from pika.exceptions import AMQPError, NackError, UnroutableError

from main.resources.rabbit.connection import open_channel
from main.resources.rabbit.topology import EVENTS_EXCHANGE, Binding
from main.service.errors import Unavailable
from main.service.ports import Delivery, EventBus
from main.util import metrics, tracing
from main.util.threads import background_thread

log = logging.getLogger(__name__)


def properties(delivery: Delivery) -> pika.BasicProperties:
    """Persistent JSON, with the current trace context added to the delivery's headers."""
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        headers=tracing.inject(delivery.headers),
        message_id=str(delivery.headers.get("event-id") or "") or None,
    )


def publish_span(exchange: str, routing_key: str) -> AbstractContextManager:
    """The producer span of one message (OTel's messaging conventions), its context sent along."""
    attributes = {
        "messaging.system": "rabbitmq",
        "messaging.operation.type": "send",
        "messaging.destination.name": exchange,
        "messaging.rabbitmq.destination.routing_key": routing_key,
    }
    return tracing.span(f"publish {routing_key}", tracing.PRODUCER, attributes)


class RabbitPublisher(EventBus):
    """One connection per process, owned by one thread that publishes for every caller and
    services the connection's heartbeats while nothing is published.

    A pika connection is serviced only by calls on the thread that uses it: a connection
    opened by a request thread sat unserviced while the API was idle, the broker dropped
    it after two missed heartbeats (60 s), and the next request paid a failed publish and
    a reconnection (70-150 ms). Callers hand their message to the publishing thread and
    wait for the broker's confirm, as they waited on their own connection before.
    """

    def __init__(
        self,
        url: str,
        bindings: list[Binding],
        exchange: str = EVENTS_EXCHANGE,
        confirm_timeout: float = 35.0,
        tick: float = 0.25,
    ) -> None:
        self.url = url
        self.bindings = bindings
        self.exchange = exchange
        self.confirm_timeout = confirm_timeout
        self.tick = tick
        self.connections_opened = 0
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._channel: BlockingChannel | None = None

    def publish(self, delivery: Delivery) -> None:
        """Return once the broker has confirmed the message; `Unavailable` if it refused it."""
        with publish_span(self.exchange, delivery.routing_key):
            props = properties(delivery)  # here: the trace context is this thread's
            self._call(lambda: self._publish(delivery.routing_key, delivery.body, props))

    def ping(self) -> None:
        """The connection, checked with a round of its I/O (a broker that went away shows
        here), opened again once if it is gone."""
        self._call(self._ping)

    def close(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._inbox.put(None)
            thread.join(self.confirm_timeout)

    def _call(self, work: Callable[[], None]) -> None:
        done: Future = Future()
        self._started().put((work, done))
        try:
            done.result(timeout=self.confirm_timeout)
        except FutureTimeout:
            raise Unavailable(f"the broker did not confirm within {self.confirm_timeout:g} s") from None

    def _started(self) -> queue.SimpleQueue:
        """The publishing thread, started on first use: after fork, in the process that uses it."""
        with self._lock:
            if self._thread is None:
                self._thread = background_thread(self._serve, "rabbit-publisher")
        return self._inbox

    def _serve(self) -> None:
        while True:
            try:
                # wakes to service heartbeats only while a connection is open
                item = self._inbox.get(timeout=self.tick if self._channel is not None else None)
            except queue.Empty:
                self._keep_alive()
                continue
            if item is None:
                self._disconnect()
                return
            work, done = item
            if done.set_running_or_notify_cancel():
                try:
                    done.set_result(work())
                except BaseException as exc:  # handed to the caller, who raises it
                    done.set_exception(exc)

    def _keep_alive(self) -> None:
        """Heartbeats are sent and read by the connection's own I/O, run here while idle."""
        if self._channel is not None and self._channel.is_open:
            try:
                self._channel.connection.process_data_events(time_limit=0)
            except AMQPError as exc:
                log.warning("the broker connection was lost while idle (%r); reopened on next use", exc)
                self._channel = None

    def _publish(self, routing_key: str, body: bytes, props: pika.BasicProperties) -> None:
        for attempt in (1, 2):
            try:
                self._open().basic_publish(self.exchange, routing_key, body, props, mandatory=True)
                metrics.published.labels("confirmed").inc()
                return
            except UnroutableError as exc:
                metrics.published.labels("unroutable").inc()
                raise Unavailable(f"no queue is bound for {routing_key!r}") from exc
            except NackError as exc:
                metrics.published.labels("refused").inc()
                raise Unavailable("the broker refused the message") from exc
            except AMQPError as exc:
                self._channel = None
                if attempt == 2:
                    metrics.published.labels("unreachable").inc()
                    raise Unavailable(f"the broker is unreachable: {exc!r}") from exc
                log.warning("publishing failed (%r); reconnecting once", exc)

    def _ping(self) -> None:
        for attempt in (1, 2):
            try:
                self._open().connection.process_data_events(time_limit=0)
                return
            except AMQPError as exc:
                self._channel = None
                if attempt == 2:
                    raise Unavailable(f"the broker is unreachable: {exc!r}") from exc

    def _open(self) -> BlockingChannel:
        if self._channel is None or not self._channel.is_open:
            _, self._channel = open_channel(self.url, self.bindings)
            self.connections_opened += 1
        return self._channel

    def _disconnect(self) -> None:
        if self._channel is not None and self._channel.connection.is_open:
            with contextlib.suppress(AMQPError):
                self._channel.connection.close()
        self._channel = None
