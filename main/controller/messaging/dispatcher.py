"""Route deliveries to their processors and turn each result into a verdict for the transport.

Data errors are dead-lettered at once with their reason; outages are retried.
A batch is applied in one store transaction (each event still all-or-nothing);
if it fails for any other reason, its events are applied one by one so that one
bad event cannot hold back the others. One log line per message: event id,
routing key, outcome, duration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence

from opentelemetry.trace import Link, Span

from main.controller.messaging.processors import EventProcessor
from main.service.errors import InvalidEvent, Unavailable
from main.service.model import Event
from main.service.ports import Delivery, Disposition, Verdict
from main.service.sync import SyncService
from main.util import metrics, tracing
from main.util.request_id import HEADER, reset_request_id, set_request_id

log = logging.getLogger("main.messages")

ACK = Verdict(Disposition.ACK)


class Dispatcher:
    def __init__(self, processors: Iterable[EventProcessor], sync: SyncService) -> None:
        self.processors = {p.routing_key: p for p in processors}
        self.sync = sync

    def __call__(self, delivery: Delivery) -> Verdict:
        return self.handle_batch([delivery])[0]

    def handle_batch(self, deliveries: Sequence[Delivery]) -> list[Verdict]:
        started = time.perf_counter()
        spans = [_receive(delivery) for delivery in deliveries]
        verdicts: list[Verdict | None] = [None] * len(deliveries)
        results: list[str] = [""] * len(deliveries)
        events: list[tuple[int, Event]] = []
        for index, delivery in enumerate(deliveries):
            try:
                events.append((index, self._parse(delivery)))
            except InvalidEvent as exc:
                verdicts[index], results[index] = _dead(exc), "dead-letter"
        applied = self._apply([e for _, e in events], tracing.link([spans[i] for i, _ in events]))
        for (index, _event), (verdict, result) in zip(events, applied, strict=True):
            verdicts[index], results[index] = verdict, result
        for delivery, result in zip(deliveries, results, strict=True):
            metrics.events.labels(delivery.routing_key, result).inc()
        duration = (time.perf_counter() - started) * 1000 / max(1, len(deliveries))
        ids = {index: event.event_id for index, event in events}
        for index, delivery in enumerate(deliveries):
            event_id = ids.get(index, "-")
            # the log line is written with the message's span current: it carries the trace id
            with tracing.current(spans[index]):
                if log.isEnabledFor(logging.INFO):
                    self._log(delivery, event_id, results[index], verdicts[index], duration)
            tracing.end(spans[index], {"messaging.message.id": event_id, "outcome": results[index]})
        return [v for v in verdicts if v is not None]

    def _parse(self, delivery: Delivery) -> Event:
        processor = self.processors.get(delivery.routing_key)
        if processor is None:
            raise InvalidEvent(f"unknown routing key {delivery.routing_key!r}")
        return processor.parse(delivery.body)

    def _apply(self, events: list[Event], links: list[Link]) -> list[tuple[Verdict, str]]:
        """`links`: the message spans whose events this transaction applies (none when off)."""
        if not events:
            return []
        try:
            with (
                metrics.batch_duration.time(),
                tracing.span("apply batch", attributes={"events": len(events)}, links=links),
            ):
                applied = [(ACK, outcome.value) for outcome in self.sync.apply_batch(events)]
            metrics.batch_size.observe(len(events))
            return applied
        except Unavailable as exc:
            return [(Verdict(Disposition.RETRY, str(exc)), "retry")] * len(events)
        except Exception:
            if len(events) > 1:
                one_by_one = zip(events, links or [None] * len(events), strict=True)
                return [
                    result
                    for event, link in one_by_one
                    for result in self._apply([event], [link] if link else [])
                ]
            log.exception("unexpected error while applying event %s", events[0].event_id)
            return [
                (Verdict(Disposition.DEAD_LETTER, "unexpected error while applying the event"), "dead-letter")
            ]

    @staticmethod
    def _log(
        delivery: Delivery, event_id: str, result: str, verdict: Verdict | None, duration: float
    ) -> None:
        """The request id sent over HTTP travels in the message headers into this line."""
        request_id = str(delivery.headers.get(HEADER) or "-")
        token = set_request_id(request_id)
        try:
            log.info(
                "event=%s routing_key=%s outcome=%s duration_ms=%.2f request_id=%s%s",
                event_id,
                delivery.routing_key,
                result,
                duration,
                request_id,
                f" reason={verdict.reason!r}" if verdict and verdict.reason else "",
                extra={
                    "event_id": event_id,
                    "routing_key": delivery.routing_key,
                    "outcome": result,
                    "duration_ms": round(duration, 2),
                    "reason": verdict.reason if verdict else None,
                },
            )
        finally:
            reset_request_id(token)


def _receive(delivery: Delivery) -> Span | None:
    """The message's consumer span, continuing the trace its publisher started (none, and no
    work per message, when tracing is off)."""
    if not tracing.enabled():
        return None
    attributes = {
        "messaging.operation.type": "process",
        "messaging.rabbitmq.destination.routing_key": delivery.routing_key,
    }
    return tracing.receive(f"process {delivery.routing_key}", delivery.headers, attributes)


def _dead(exc: InvalidEvent) -> Verdict:
    return Verdict(Disposition.DEAD_LETTER, exc.reason)
