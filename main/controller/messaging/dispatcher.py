"""Route each delivery to its processor and turn the result into a verdict for the transport.

Data errors are dead-lettered at once with their reason; outages are retried.
One log line per message: event id, routing key, outcome, duration.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable

from main.controller.messaging.processors import EventProcessor
from main.service.errors import InvalidEvent, Unavailable
from main.service.ports import Delivery, Disposition, Verdict
from main.util.request_id import HEADER, reset_request_id, set_request_id

log = logging.getLogger("main.messages")


class Dispatcher:
    def __init__(self, processors: Iterable[EventProcessor]) -> None:
        self.processors = {p.routing_key: p for p in processors}

    def __call__(self, delivery: Delivery) -> Verdict:
        token = set_request_id(str(delivery.headers.get(HEADER) or ""))
        try:
            return self._handle(delivery)
        finally:
            reset_request_id(token)

    def _handle(self, delivery: Delivery) -> Verdict:
        started = time.perf_counter()
        event_id = "-"
        try:
            processor = self.processors.get(delivery.routing_key)
            if processor is None:
                raise InvalidEvent(f"unknown routing key {delivery.routing_key!r}")
            event, outcome = processor.process(delivery.body)
            event_id, verdict, result = event.event_id, Verdict(Disposition.ACK), outcome.value
        except InvalidEvent as exc:
            reason = str(exc) + (": " + json.dumps(exc.errors, sort_keys=True) if exc.errors else "")
            verdict, result = Verdict(Disposition.DEAD_LETTER, reason), "dead-letter"
        except Unavailable as exc:
            verdict, result = Verdict(Disposition.RETRY, str(exc)), "retry"
        except Exception as exc:  # a bug must not lose the message: keep it for replay
            log.exception("unexpected error while processing a message")
            verdict, result = Verdict(Disposition.DEAD_LETTER, f"unexpected error: {exc!r}"), "dead-letter"
        log.info(
            "event=%s routing_key=%s outcome=%s duration_ms=%.1f%s",
            event_id,
            delivery.routing_key,
            result,
            (time.perf_counter() - started) * 1000,
            f" reason={verdict.reason!r}" if verdict.reason else "",
        )
        return verdict
