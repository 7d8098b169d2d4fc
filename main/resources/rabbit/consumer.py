"""The sync worker's RabbitMQ side: consume, hand batches to the processors, settle after commit.

The connection's thread only does I/O: it keeps heartbeats flowing while a batch
is processed on a worker thread, so slow work never gets the connection dropped.
When the batch is done, the worker thread schedules its settlement back on the
connection's thread with `add_callback_threadsafe` (pika's one thread-safe call):
dead letters are published (confirmed) first, then every message of the batch is
acknowledged with one `multiple=True` ack. One batch is in flight at a time, so
that ack never covers a message that is not settled; the next batch gathers while
the current one runs (micro-batching without a timer).

An outage (a verdict of RETRY) holds the batch, unacknowledged, and retries it
after a capped, jittered backoff until the retry budget is spent; only then are
its messages dead-lettered with the last error. Holding spends no delivery count,
so a long outage never dead-letters a valid event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime

import pika
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.exceptions import AMQPError

from main.resources.rabbit.connection import open_channel
from main.resources.rabbit.topology import DEAD_EXCHANGE, REASON_HEADER, ROUTING_KEY_HEADER, Binding
from main.service.ports import Delivery, Disposition, Verdict
from main.util.backoff import Backoff
from main.util.config import RETRY_BUDGET_SECONDS
from main.util.threads import background_pool

log = logging.getLogger(__name__)

BatchHandler = Callable[[Sequence[Delivery]], list[Verdict]]
Message = tuple[pika.spec.Basic.Deliver, pika.BasicProperties, bytes]


class RabbitConsumer:
    def __init__(
        self,
        url: str,
        bindings: list[Binding],
        handler: BatchHandler,
        prefetch: int = 500,
        batch_size: int = 200,
        retry_budget_seconds: float = RETRY_BUDGET_SECONDS,
        heartbeat: int | None = None,
    ) -> None:
        self.url = url
        self.bindings = bindings
        self.handler = handler
        self.prefetch = prefetch
        self.batch_size = batch_size
        self.retry_budget_seconds = retry_budget_seconds
        self.heartbeat = heartbeat
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self._executor = background_pool(1, "batch")

    def run(self) -> None:
        """Consume until `stop()`; reconnect after any connection loss, with capped jittered backoff."""
        reconnect = Backoff(base=0.5, cap=15)
        while not self.stopping.is_set():
            try:
                _Session(self).run()
                reconnect.reset()
            except (AMQPError, OSError) as exc:
                self.connected.clear()
                if self.stopping.is_set():
                    break
                delay = reconnect.next_delay()
                log.warning("broker connection lost (%r); reconnecting in %.1fs", exc, delay)
                self.stopping.wait(delay)
        self._executor.shutdown(wait=True)

    def stop(self) -> None:
        self.stopping.set()


class _Session:
    """One connection's life: state that must not outlive the connection (delivery tags)."""

    def __init__(self, consumer: RabbitConsumer) -> None:
        self.consumer = consumer
        self.pending: list[Message] = []
        self.in_flight: Future | None = None
        self.resume_at = 0.0
        self.outage: Backoff = Backoff(base=1.0, cap=30.0)
        self.outage_started: float | None = None
        self.connection: BlockingConnection
        self.channel: BlockingChannel

    def run(self) -> None:
        c = self.consumer
        self.connection, self.channel = open_channel(c.url, c.bindings, c.heartbeat)
        self.channel.basic_qos(prefetch_count=c.prefetch)
        tags = [self.channel.basic_consume(b.queue, self._on_message) for b in c.bindings]
        c.connected.set()
        log.info("consuming %s (prefetch %d)", ", ".join(b.queue for b in c.bindings), c.prefetch)
        try:
            while not c.stopping.is_set():
                self.connection.process_data_events(time_limit=0.2)
                self._dispatch()
            for tag in tags:
                self.channel.basic_cancel(tag)
            self._finish()
        finally:
            c.connected.clear()
            if self.connection.is_open:
                self.connection.close()

    def _finish(self) -> None:
        """On stop: settle the batch in flight and what is already held, then leave."""
        deadline = time.monotonic() + 25
        while (self.in_flight or self.pending) and time.monotonic() < deadline:
            self.resume_at = 0.0
            self.connection.process_data_events(time_limit=0.05)
            self._dispatch()
        if self.pending:
            last = self.pending[-1][0].delivery_tag
            self.channel.basic_nack(last, multiple=True, requeue=True)

    def _on_message(self, _channel: BlockingChannel, method, props, body: bytes) -> None:
        self.pending.append((method, props, body))
        self._dispatch()

    def _dispatch(self) -> None:
        if self.in_flight is not None or not self.pending or time.monotonic() < self.resume_at:
            return
        batch, self.pending = (
            self.pending[: self.consumer.batch_size],
            self.pending[self.consumer.batch_size :],
        )
        deliveries = [
            Delivery(method.routing_key, body, dict(props.headers or {})) for method, props, body in batch
        ]
        self.in_flight = self.consumer._executor.submit(self.consumer.handler, deliveries)
        connection = self.connection
        self.in_flight.add_done_callback(
            lambda future: connection.add_callback_threadsafe(lambda: self._settle(batch, future))
        )

    def _settle(self, batch: list[Message], future: Future) -> None:
        self.in_flight = None
        try:
            verdicts = future.result()
        except Exception as exc:  # the handler itself failed: hold the batch like an outage
            log.exception("batch handler failed")
            verdicts = [Verdict(Disposition.RETRY, repr(exc))] * len(batch)
        retry = [m for m, v in zip(batch, verdicts, strict=True) if v.disposition is Disposition.RETRY]
        if retry and not self._budget_spent():
            self._hold(batch, verdicts)
            return
        self.outage_started = None
        self.outage.reset()
        for (method, props, body), verdict in zip(batch, verdicts, strict=True):
            if verdict.disposition is not Disposition.ACK:
                reason = verdict.reason
                if verdict.disposition is Disposition.RETRY:
                    reason = f"retry budget of {self.consumer.retry_budget_seconds:g}s spent: {reason}"
                self._dead_letter(method, props, body, reason)
        self.channel.basic_ack(batch[-1][0].delivery_tag, multiple=True)
        self._dispatch()

    def _hold(self, batch: list[Message], verdicts: list[Verdict]) -> None:
        """Keep the whole batch (unacked) and try it again after a backoff: the store is down."""
        if self.outage_started is None:
            self.outage_started = time.monotonic()
        delay = self.outage.next_delay()
        reason = next(v.reason for v in verdicts if v.disposition is Disposition.RETRY)
        log.warning("outage (%s); holding %d messages, retrying in %.1fs", reason, len(batch), delay)
        self.pending = batch + self.pending
        self.resume_at = time.monotonic() + delay

    def _budget_spent(self) -> bool:
        started = self.outage_started
        return started is not None and time.monotonic() - started >= self.consumer.retry_budget_seconds

    def _dead_letter(self, method, props: pika.BasicProperties, body: bytes, reason: str) -> None:
        headers = {
            **(props.headers or {}),
            REASON_HEADER: reason[:2000],
            ROUTING_KEY_HEADER: method.routing_key,
            "x-original-exchange": method.exchange,
            "x-dead-lettered-at": datetime.now(UTC).isoformat(),
        }
        dead = pika.BasicProperties(
            content_type=props.content_type,
            delivery_mode=pika.DeliveryMode.Persistent,
            headers=headers,
            message_id=props.message_id,
        )
        self.channel.basic_publish(DEAD_EXCHANGE, method.routing_key, body, dead)
        log.warning("dead-lettered a %s message: %s", method.routing_key, reason)
