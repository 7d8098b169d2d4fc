"""One processor per routing key, declaring its exchange, queue and routing key (the seed's pattern)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from marshmallow import ValidationError

from main.schema.loading import load_event
from main.service.errors import InvalidEvent
from main.service.model import CREATED, DELETED, UPDATED, Event

EXCHANGE = "ex.events"
QUEUE_PREFIX = "q.events.sync-service."
DEAD_LETTER_QUEUE = QUEUE_PREFIX + "dead"


class EventProcessor:
    processor_name: ClassVar[str]
    exchange_name: ClassVar[str] = EXCHANGE
    routing_key: ClassVar[str]
    queue_name: ClassVar[str]

    def __init_subclass__(cls) -> None:
        cls.processor_name = f"{cls.routing_key}-processor"
        cls.queue_name = QUEUE_PREFIX + cls.routing_key

    def parse(self, body: bytes) -> Event:
        """The event in `body`, or `InvalidEvent` saying why it can never be applied."""
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidEvent(f"invalid JSON: {exc}") from exc
        event = parse_event(payload)
        if event.event_type != self.routing_key:
            raise InvalidEvent(
                f"eventType {event.event_type!r} does not match routing key {self.routing_key!r}"
            )
        return event


def parse_event(payload: Any) -> Event:
    """Validate a decoded event, turning schema errors into `InvalidEvent` with the fields."""
    try:
        return load_event(payload)
    except ValidationError as exc:
        raise InvalidEvent("schema violation", exc.normalized_messages()) from exc


class CompanyCreatedProcessor(EventProcessor):
    routing_key = CREATED


class CompanyUpdatedProcessor(EventProcessor):
    routing_key = UPDATED


class CompanyDeletedProcessor(EventProcessor):
    routing_key = DELETED


PROCESSOR_CLASSES: tuple[type[EventProcessor], ...] = (
    CompanyCreatedProcessor,
    CompanyUpdatedProcessor,
    CompanyDeletedProcessor,
)
