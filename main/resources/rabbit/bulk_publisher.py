"""Bulk publishing with asynchronous confirms: up to `window` messages unconfirmed in flight.

Waiting for each confirm in turn caps near 1,400 persistent messages/s on this
kind of machine; keeping a window in flight reaches the broker's own pace. Each
message carries its index as message id, so a return (unroutable) or a nack is
reported against the line it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pika
from pika.channel import Channel

from main.resources.rabbit.connection import open_channel, parameters
from main.resources.rabbit.topology import EVENTS_EXCHANGE, Binding
from main.service.errors import Unavailable
from main.service.ports import Delivery

WINDOW = 1000


@dataclass
class BulkResult:
    confirmed: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)


class BulkPublisher:
    def __init__(self, url: str, bindings: list[Binding], window: int = WINDOW) -> None:
        self.url = url
        self.bindings = bindings
        self.window = window

    def publish(
        self, messages: Iterator[tuple[int, Delivery]], on_confirm: Callable[[int], None] = lambda _n: None
    ) -> BulkResult:
        """Publish (index, delivery) pairs; return how many the broker confirmed and which it refused."""
        connection, _ = open_channel(self.url, self.bindings)
        connection.close()
        run = _Run(messages, self.window, on_confirm)
        run.connection = pika.SelectConnection(
            parameters(self.url),
            on_open_callback=run.on_open,
            on_open_error_callback=run.on_error,
            on_close_callback=run.on_closed,
        )
        run.connection.ioloop.start()
        if run.error is not None:
            raise Unavailable(f"bulk publishing stopped: {run.error!r}")
        return run.result


class _Run:
    def __init__(
        self, messages: Iterator[tuple[int, Delivery]], window: int, on_confirm: Callable[[int], None]
    ):
        self.messages = messages
        self.window = window
        self.on_confirm = on_confirm
        self.result = BulkResult()
        self.in_flight: dict[int, int] = {}
        self.returned: dict[int, str] = {}
        self.next_tag = 1
        self.exhausted = False
        self.error: BaseException | None = None
        self.connection: pika.SelectConnection
        self.channel: Channel

    def on_open(self, connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=self.on_channel)

    def on_channel(self, channel: Channel) -> None:
        self.channel = channel
        channel.add_on_return_callback(self.on_return)
        channel.add_on_close_callback(lambda _ch, reason: self._fail(reason))
        channel.confirm_delivery(ack_nack_callback=self.on_ack_nack, callback=lambda _frame: self.pump())

    def pump(self) -> None:
        while not self.exhausted and len(self.in_flight) < self.window:
            try:
                index, delivery = next(self.messages)
            except StopIteration:
                self.exhausted = True
                break
            props = pika.BasicProperties(
                content_type="application/json",
                delivery_mode=pika.DeliveryMode.Persistent,
                headers=dict(delivery.headers),
                message_id=str(index),
            )
            self.channel.basic_publish(
                EVENTS_EXCHANGE, delivery.routing_key, delivery.body, props, mandatory=True
            )
            self.in_flight[self.next_tag] = index
            self.next_tag += 1
        if self.exhausted and not self.in_flight:
            self.connection.close()

    def on_return(self, _channel: Channel, method, props: pika.BasicProperties, _body: bytes) -> None:
        self.returned[int(props.message_id)] = f"unroutable: {method.reply_text}"

    def on_ack_nack(self, frame) -> None:
        method = frame.method
        tags = (
            [t for t in self.in_flight if t <= method.delivery_tag]
            if method.multiple
            else [method.delivery_tag]
        )
        acked = isinstance(method, pika.spec.Basic.Ack)
        for tag in tags:
            index = self.in_flight.pop(tag)
            reason = self.returned.pop(index, None) or (None if acked else "nacked by the broker")
            if reason:
                self.result.refused.append((index, reason))
            else:
                self.result.confirmed += 1
        self.on_confirm(len(tags))
        self.pump()

    def on_error(self, _connection: object, error: BaseException) -> None:
        self._fail(error)

    def on_closed(self, _connection: object, reason: BaseException) -> None:
        if self.in_flight or not self.exhausted:
            self.error = self.error or reason
        self.connection.ioloop.stop()

    def _fail(self, reason: object) -> None:
        if self.exhausted and not self.in_flight:
            return
        self.error = self.error or (
            reason if isinstance(reason, BaseException) else RuntimeError(str(reason))
        )
        if self.connection.is_open:
            self.connection.close()
        else:
            self.connection.ioloop.stop()
