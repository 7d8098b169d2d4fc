"""One processor per routing key, declaring its exchange, queue and routing key (the seed's pattern)."""

from __future__ import annotations

from typing import ClassVar

from main.schema.intake import decode, event_of
from main.service.clock_skew import SkewBound
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

    def __init__(self, skew: SkewBound) -> None:
        self.skew = skew

    def parse(self, body: bytes) -> Event:
        """The event in `body`, or `InvalidEvent` saying why it can never be applied.

        Publishers may bypass the API, so the worker holds events to the clock's bound too."""
        event = event_of(decode(body), self.skew)
        if event.event_type != self.routing_key:
            raise InvalidEvent(
                f"eventType {event.event_type!r} does not match routing key {self.routing_key!r}"
            )
        return event


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
