"""The embedded bus keeps RabbitMQ's dispositions: ack, dead-letter with reason, retry with backoff."""

from __future__ import annotations

import threading

import pytest

from main.resources.memory.bus import MemoryBus
from main.service.errors import Unavailable
from main.service.ports import Delivery, Disposition, Verdict


def test_messages_reach_the_handler_in_order() -> None:
    bus, seen = MemoryBus(), []
    bus.consume(lambda d: seen.append(d.body) or Verdict(Disposition.ACK))
    for number in range(100):
        bus.publish(Delivery("company-created", str(number).encode()))
    assert bus.drain()
    assert seen == [str(n).encode() for n in range(100)]
    bus.close()


def test_a_dead_letter_is_kept_with_its_reason() -> None:
    bus = MemoryBus()
    bus.consume(lambda d: Verdict(Disposition.DEAD_LETTER, "invalid JSON"))
    bus.publish(Delivery("company-created", b"{"))
    assert bus.drain()
    assert [(d.body, reason) for d, reason in bus.dead_letters] == [(b"{", "invalid JSON")]
    bus.close()


def test_an_outage_is_retried_until_it_passes() -> None:
    attempts = []

    def flaky(delivery: Delivery) -> Verdict:
        attempts.append(delivery)
        return Verdict(Disposition.RETRY, "down") if len(attempts) < 3 else Verdict(Disposition.ACK)

    bus = MemoryBus(max_delay=0.01)
    bus.consume(flaky)
    bus.publish(Delivery("company-created", b"{}"))
    assert bus.drain()
    assert len(attempts) == 3 and not bus.dead_letters
    bus.close()


def test_an_outage_longer_than_the_budget_ends_as_a_dead_letter_with_the_last_error() -> None:
    bus = MemoryBus(retry_budget_seconds=0.2, max_delay=0.02)
    bus.consume(lambda d: Verdict(Disposition.RETRY, "database is locked"))
    bus.publish(Delivery("company-created", b"{}"))
    assert bus.drain()
    ((_, reason),) = bus.dead_letters
    assert "gave up" in reason and "database is locked" in reason
    bus.close()


def test_close_finishes_what_was_published_then_refuses_more() -> None:
    handled, gate = [], threading.Event()

    def slow(delivery: Delivery) -> Verdict:
        gate.wait(1)
        handled.append(delivery)
        return Verdict(Disposition.ACK)

    bus = MemoryBus()
    bus.consume(slow)
    for _ in range(3):
        bus.publish(Delivery("company-created", b"{}"))
    gate.set()
    bus.close()
    assert len(handled) == 3
    with pytest.raises(Unavailable):
        bus.publish(Delivery("company-created", b"{}"))


def test_drain_reports_a_timeout() -> None:
    bus = MemoryBus()
    bus.publish(Delivery("company-created", b"{}"))
    assert bus.drain(timeout=0.05) is False
