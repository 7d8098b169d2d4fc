"""Inspect and replay the dead-letter queue, after whatever killed those messages is fixed.

Replay republishes a dead letter to the sync service's own requeue exchange (so
other subscribers of ex.events do not see it twice), with publisher confirms,
and only then acknowledges the dead copy: a crash in between leaves a duplicate,
which the worker ignores, never a loss.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

import pika

from main.resources.rabbit.connection import open_channel
from main.resources.rabbit.topology import (
    DEAD_QUEUE,
    REASON_HEADER,
    REQUEUE_EXCHANGE,
    ROUTING_KEY_HEADER,
    Binding,
)


@dataclass(frozen=True)
class DeadLetter:
    id: str
    routing_key: str
    reason: str
    dead_lettered_at: str
    body: bytes


def letter_id(body: bytes, props: pika.BasicProperties) -> str:
    """The event id when the body has one; otherwise a digest of the body, stable across listings."""
    try:
        event_id = json.loads(body).get("eventId")
    except (ValueError, AttributeError):
        event_id = None
    return str(event_id or props.message_id or "raw:" + hashlib.sha256(body).hexdigest()[:16])


class RabbitDeadLetters:
    def __init__(self, url: str, bindings: list[Binding], limit: int = 10_000) -> None:
        self.url = url
        self.bindings = bindings
        self.limit = limit

    def list(self) -> list[DeadLetter]:
        return [letter for letter, _ in self._take(lambda _letter: False)]

    def replay(self, ids: Iterable[str] | None = None) -> list[DeadLetter]:
        """Replay the dead letters with these ids (all when `ids` is None); return those replayed."""
        wanted = None if ids is None else set(ids)
        return [
            letter
            for letter, replayed in self._take(lambda one: wanted is None or one.id in wanted)
            if replayed
        ]

    def _take(self, choose) -> list[tuple[DeadLetter, bool]]:
        """Hold every dead letter unacknowledged, replay the chosen ones, put the others back."""
        connection, channel = open_channel(self.url, self.bindings)
        results = []
        try:
            last_tag = None
            for _ in range(self.limit):
                method, props, body = channel.basic_get(DEAD_QUEUE, auto_ack=False)
                if method is None:
                    break
                headers = props.headers or {}
                letter = DeadLetter(
                    letter_id(body, props),
                    str(headers.get(ROUTING_KEY_HEADER) or method.routing_key),
                    str(headers.get(REASON_HEADER) or headers.get("x-first-death-reason") or "unknown"),
                    str(headers.get("x-dead-lettered-at") or ""),
                    body,
                )
                replay = choose(letter)
                if replay:
                    clean = {k: v for k, v in headers.items() if not k.startswith("x-")}
                    channel.basic_publish(
                        REQUEUE_EXCHANGE,
                        letter.routing_key,
                        body,
                        pika.BasicProperties(
                            content_type=props.content_type,
                            delivery_mode=2,
                            headers=clean,
                            message_id=props.message_id,
                        ),
                        mandatory=True,
                    )
                    channel.basic_ack(method.delivery_tag)
                else:
                    last_tag = method.delivery_tag
                results.append((letter, replay))
            if last_tag is not None:
                channel.basic_nack(last_tag, multiple=True, requeue=True)
        finally:
            connection.close()
        return results
