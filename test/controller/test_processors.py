"""Processors and the dispatcher: one per routing key; data errors dead-lettered, outages retried."""

from __future__ import annotations

import json
import logging

import pytest

from main.bootstrap import Container
from main.controller.messaging.dispatcher import Dispatcher
from main.controller.messaging.processors import (
    PROCESSOR_CLASSES,
    CompanyCreatedProcessor,
    CompanyDeletedProcessor,
    CompanyUpdatedProcessor,
)
from main.service.ports import Delivery, Disposition
from test.helpers import company_event, write_lock_held


def test_each_processor_declares_its_exchange_queue_and_routing_key() -> None:
    declared = {(p.processor_name, p.exchange_name, p.queue_name, p.routing_key) for p in PROCESSOR_CLASSES}
    assert declared == {
        (
            "company-created-processor",
            "ex.events",
            "q.events.sync-service.company-created",
            "company-created",
        ),
        (
            "company-updated-processor",
            "ex.events",
            "q.events.sync-service.company-updated",
            "company-updated",
        ),
        (
            "company-deleted-processor",
            "ex.events",
            "q.events.sync-service.company-deleted",
            "company-deleted",
        ),
    }
    assert (
        CompanyCreatedProcessor.routing_key,
        CompanyUpdatedProcessor.routing_key,
        CompanyDeletedProcessor.routing_key,
    ) == ("company-created", "company-updated", "company-deleted")


@pytest.fixture
def dispatcher(container: Container) -> Dispatcher:
    return container.dispatcher


def deliver(dispatcher: Dispatcher, routing_key: str, body: object, headers: dict | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return dispatcher(Delivery(routing_key, raw, headers or {}))


def test_a_valid_message_is_applied_and_acked(dispatcher, container) -> None:
    verdict = deliver(dispatcher, "company-created", company_event(company_id="acme"))
    assert verdict.disposition is Disposition.ACK
    assert container.store.get_company("ACME")


@pytest.mark.parametrize(
    ("routing_key", "body", "reason"),
    [
        ("company-created", b"{not json", "invalid JSON"),
        ("company-created", b"\xff\xfe", "invalid JSON"),
        ("company-created", {"eventType": "company-created", "data": {"name": "no id"}}, "schema violation"),
        ("company-created", company_event("company-updated"), "does not match routing key"),
        ("company-merged", company_event(), "unknown routing key"),
        ("company-created", [1, 2], "schema violation"),
    ],
)
def test_a_message_that_can_never_apply_is_dead_lettered_with_its_reason(
    dispatcher, routing_key, body, reason
):
    verdict = deliver(dispatcher, routing_key, body)
    assert verdict.disposition is Disposition.DEAD_LETTER
    assert reason in verdict.reason


def test_a_store_outage_asks_for_a_retry_not_a_dead_letter(dispatcher, container) -> None:
    with write_lock_held(container.store):
        verdict = deliver(dispatcher, "company-created", company_event())
    assert verdict.disposition is Disposition.RETRY and "locked" in verdict.reason


def test_a_bug_dead_letters_the_message_instead_of_losing_it(dispatcher, container, monkeypatch) -> None:
    monkeypatch.setattr(container.store, "unit_of_work", lambda: 1 / 0)
    verdict = deliver(dispatcher, "company-created", company_event())
    assert verdict.disposition is Disposition.DEAD_LETTER and "unexpected error" in verdict.reason


def test_each_message_is_logged_with_its_id_key_outcome_and_request_id(dispatcher, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="main.messages"):
        deliver(dispatcher, "company-created", company_event(event_id="ev-42"), {"X-Request-Id": "req-7"})
    record = next(r for r in caplog.records if r.name == "main.messages")
    message = record.getMessage()
    assert (
        "event=ev-42" in message and "routing_key=company-created" in message and "outcome=applied" in message
    )
    assert "duration_ms=" in message
