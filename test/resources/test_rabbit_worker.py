"""The sync worker against a real RabbitMQ broker (a node of the test run's own)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pika
import pytest

from main.bootstrap import Container, bootstrap, build_consumer
from main.resources.rabbit.consumer import RabbitConsumer
from main.resources.rabbit.topology import DEAD_QUEUE, REASON_HEADER
from main.service.related import Neighbours
from main.util.config import Settings
from test.helpers import company_event, wait_until, write_lock_held


@pytest.fixture
def rabbit_settings(settings: Settings, amqp_url: str) -> Settings:
    return replace(settings, amqp_url=amqp_url, worker_batch=50, worker_prefetch=100)


@pytest.fixture
def worker_container(rabbit_settings: Settings, geocoder) -> Iterator[Container]:
    container = bootstrap(rabbit_settings, geocoder=geocoder, consume=False)
    yield container
    container.close()


class RunningWorker:
    def __init__(self, consumer: RabbitConsumer) -> None:
        self.consumer = consumer
        self.thread = threading.Thread(target=consumer.run, daemon=True)
        self.thread.start()
        assert consumer.connected.wait(10), "the worker did not connect"

    def stop(self) -> None:
        self.consumer.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()


@pytest.fixture
def worker(worker_container: Container) -> Iterator[RunningWorker]:
    running = RunningWorker(build_consumer(worker_container))
    yield running
    running.stop()


def publish_raw(url: str, routing_key: str, body: bytes | dict, headers: dict | None = None) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.confirm_delivery()
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    props = pika.BasicProperties(delivery_mode=2, headers=headers or {})
    channel.basic_publish("ex.events", routing_key, raw, props, mandatory=True)
    connection.close()


def dead_letters(url: str) -> list[tuple[dict, bytes]]:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    found = []
    while True:
        method, props, body = channel.basic_get(DEAD_QUEUE, auto_ack=False)
        if method is None:
            break
        found.append((props.headers or {}, body))
    connection.close()
    return found


def queue_depth(url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(url))
    depth = connection.channel().queue_declare(queue, passive=True).method.message_count
    connection.close()
    return depth


def test_the_seed_integration_published_with_pika_lands_in_the_graph(worker, worker_container, amqp_url):
    event = {
        "eventType": "company-created",
        "data": {
            "id": "79E9D0F4-2539-ED22-58A8-BD5A75D58C1C",
            "name": "Acme Ltd",
            "industry": "Software",
            "location": {"city": "Tel Aviv", "state": None, "country": "Israel"},
        },
    }
    publish_raw(amqp_url, "company-created", event)
    store = worker_container.store
    company = wait_until(lambda: store.get_company("79E9D0F4-2539-ED22-58A8-BD5A75D58C1C"))
    assert company["place"]["country"]["key"] == "IL"
    edges = {e["to"] for e in Neighbours(store).neighbourhood(company["id"], 1, 10).edges}
    assert edges == {"Country/IL", "State/IL-TA", "City/IL-tel-aviv", "Industry/software"}


@pytest.mark.parametrize(
    ("routing_key", "body", "reason"),
    [
        ("company-created", b"{not json", "invalid JSON"),
        ("company-created", {"eventType": "company-created", "data": {"name": "no id"}}, "schema violation"),
        ("company-created", company_event("company-deleted"), "does not match routing key"),
        ("company-created", {"eventType": "company-merged", "data": {"id": "x"}}, "schema violation"),
        ("company-created", company_event(occurred_at="9999-12-31T00:00:00Z"), "occurredAt is ahead"),
    ],
)
def test_a_malformed_message_is_dead_lettered_with_its_reason_and_the_worker_goes_on(
    worker, worker_container, amqp_url, routing_key, body, reason
):
    publish_raw(amqp_url, routing_key, body)
    publish_raw(amqp_url, "company-created", company_event(company_id="after-the-bad-one"))
    wait_until(lambda: worker_container.store.get_company("AFTER-THE-BAD-ONE"))
    ((headers, dead_body),) = wait_until(lambda: dead_letters(amqp_url))
    assert reason in headers[REASON_HEADER]
    assert headers["x-original-routing-key"] == routing_key
    assert dead_body == (body if isinstance(body, bytes) else json.dumps(body).encode())


def test_a_handler_slower_than_twice_the_heartbeat_keeps_its_connection(rabbit_settings, geocoder, amqp_url):
    settings = replace(rabbit_settings, amqp_heartbeat=1)
    container = bootstrap(settings, geocoder=geocoder, consume=False)
    handle = container.dispatcher.handle_batch
    calls = []

    def slow(deliveries):
        calls.append(len(deliveries))
        time.sleep(3)
        return handle(deliveries)

    consumer = build_consumer(container)
    consumer.handler = slow
    sessions = []
    consumer.connected.set = lambda: (
        sessions.append(time.monotonic()) or threading.Event.set(consumer.connected)
    )
    running = RunningWorker(consumer)
    publish_raw(amqp_url, "company-created", company_event(company_id="slow-one"))
    wait_until(lambda: container.store.get_company("SLOW-ONE"), timeout=10)
    wait_until(lambda: queue_depth(amqp_url, "q.events.sync-service.company-created") == 0 or None, timeout=5)
    running.stop()
    container.close()
    assert len(sessions) == 1, "the connection was dropped and re-opened"
    assert calls == [1]


def held(caplog: pytest.LogCaptureFixture) -> int:
    return sum("holding" in r.getMessage() for r in caplog.records if r.name.endswith("consumer"))


def test_an_outage_holds_messages_and_applies_them_when_it_ends(worker_container, amqp_url, caplog):
    store = worker_container.store
    with write_lock_held(worker_container.store):
        running = RunningWorker(build_consumer(worker_container))
        for number in range(20):
            publish_raw(amqp_url, "company-created", company_event(company_id=f"held-{number}"))
        wait_until(lambda: held(caplog) >= 2, timeout=20)
        assert queue_depth(amqp_url, "q.events.sync-service.company-created") == 0, "held, not requeued"
        assert "database is locked" in caplog.text
    wait_until(lambda: all(store.get_company(f"HELD-{n}") for n in range(20)), timeout=40)
    running.stop()
    assert dead_letters(amqp_url) == []


def test_an_outage_past_the_retry_budget_dead_letters_with_the_last_error(
    rabbit_settings, geocoder, amqp_url
):
    container = bootstrap(
        replace(rabbit_settings, retry_budget_seconds=1.5), geocoder=geocoder, consume=False
    )
    with write_lock_held(container.store):
        running = RunningWorker(build_consumer(container))
        publish_raw(amqp_url, "company-created", company_event(company_id="doomed"))
        ((headers, _),) = wait_until(lambda: dead_letters(amqp_url), timeout=30)
        running.stop()
    assert container.store.get_company("DOOMED") is None
    container.close()
    assert "retry budget" in headers[REASON_HEADER] and "database is locked" in headers[REASON_HEADER]
