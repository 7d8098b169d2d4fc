"""`AMQP_URL=amqp://...`: publish events to RabbitMQ, persistent, confirmed and mandatory.

Each thread of each process opens its own connection on first use, so uWSGI
workers connect after fork and never share a connection between threads.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager

import pika
from pika.exceptions import AMQPError, NackError, UnroutableError

from main.resources.rabbit.connection import open_channel
from main.resources.rabbit.topology import EVENTS_EXCHANGE, Binding
from main.service.errors import Unavailable
from main.service.ports import Delivery, EventBus
from main.util import metrics, tracing

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
    def __init__(self, url: str, bindings: list[Binding], exchange: str = EVENTS_EXCHANGE) -> None:
        self.url = url
        self.bindings = bindings
        self.exchange = exchange
        self._local = threading.local()
        self._opened: list = []
        self._lock = threading.Lock()

    def publish(self, delivery: Delivery) -> None:
        """Return once the broker has confirmed the message; `Unavailable` if it refused it."""
        with publish_span(self.exchange, delivery.routing_key):
            self._publish(delivery)

    def _publish(self, delivery: Delivery) -> None:
        for attempt in (1, 2):
            try:
                self._channel().basic_publish(
                    self.exchange, delivery.routing_key, delivery.body, properties(delivery), mandatory=True
                )
                metrics.published.labels("confirmed").inc()
                return
            except UnroutableError as exc:
                metrics.published.labels("unroutable").inc()
                raise Unavailable(f"no queue is bound for {delivery.routing_key!r}") from exc
            except NackError as exc:
                metrics.published.labels("refused").inc()
                raise Unavailable("the broker refused the message") from exc
            except AMQPError as exc:
                self._forget()
                if attempt == 2:
                    metrics.published.labels("unreachable").inc()
                    raise Unavailable(f"the broker is unreachable: {exc!r}") from exc
                log.warning("publishing failed (%r); reconnecting once", exc)

    def ping(self) -> None:
        """This thread's connection, checked with a round of its I/O (a broker that went away
        shows here), opened again once if it is gone."""
        for attempt in (1, 2):
            try:
                self._channel().connection.process_data_events(time_limit=0)
                return
            except AMQPError as exc:
                self._forget()
                if attempt == 2:
                    raise Unavailable(f"the broker is unreachable: {exc!r}") from exc

    def close(self) -> None:
        with self._lock:
            for connection in self._opened:
                if connection.is_open:
                    connection.close()
            self._opened.clear()

    def _channel(self):
        channel = getattr(self._local, "channel", None)
        if channel is None or not channel.is_open:
            connection, channel = open_channel(self.url, self.bindings)
            self._local.channel = channel
            with self._lock:
                self._opened.append(connection)
        return channel

    def _forget(self) -> None:
        self._local.channel = None
