"""Publishing to RabbitMQ: confirmed and mandatory, so a refusal is a 503, never a silent 202."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pika
import pytest

from main.bootstrap import bindings, bootstrap, build_consumer
from main.controller.http.app import create_app
from main.resources.rabbit.publisher import RabbitPublisher
from main.service.errors import Unavailable
from main.service.ports import Delivery
from test.conftest import API_KEY
from test.helpers import company_event, wait_until
from test.resources.test_rabbit_worker import RunningWorker, queue_depth

HEADERS = {"X-API-Key": API_KEY}


@pytest.fixture
def rabbit_app(settings, amqp_url, geocoder):
    container = bootstrap(replace(settings, amqp_url=amqp_url), geocoder=geocoder)
    yield create_app(container)
    container.close()


def take_one(url: str, queue: str):
    connection = pika.BlockingConnection(pika.URLParameters(url))
    method, props, body = connection.channel().basic_get(queue, auto_ack=True)
    connection.close()
    return method, props, body


def test_a_posted_event_is_a_persistent_message_on_its_queue(rabbit_app, amqp_url) -> None:
    client = rabbit_app.test_client()
    body = company_event(company_id="queued", event_id="ev-q")
    response = client.post("/api/v1/events", json=body, headers={**HEADERS, "X-Request-Id": "req-q"})
    assert response.status_code == 202
    method, props, raw = take_one(amqp_url, "q.events.sync-service.company-created")
    assert method.routing_key == "company-created" and method.exchange == "ex.events"
    assert props.delivery_mode == 2 and props.headers["X-Request-Id"] == "req-q"
    assert json.loads(raw)["eventId"] == "ev-q"


def test_an_unreachable_broker_is_a_503_with_a_json_error(settings, geocoder) -> None:
    container = bootstrap(replace(settings, amqp_url="amqp://guest:guest@127.0.0.1:1/%2F"), geocoder=geocoder)
    client = create_app(container).test_client()
    response = client.post("/api/v1/events", json=company_event(), headers=HEADERS)
    assert response.status_code == 503 and response.json["code"] == 503
    container.close()


def test_an_unroutable_message_is_refused(amqp_url) -> None:
    publisher = RabbitPublisher(amqp_url, bindings())
    with pytest.raises(Unavailable, match="no queue is bound"):
        publisher.publish(Delivery("company-merged", b"{}", {}))
    publisher.close()


def test_threads_publish_through_the_one_connection_of_their_process(amqp_url) -> None:
    publisher = RabbitPublisher(amqp_url, bindings())

    def publish(_: int) -> None:
        publisher.publish(Delivery("company-created", json.dumps(company_event()).encode(), {}))

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(publish, range(30)))
    publisher.close()
    assert publisher.connections_opened == 1
    assert queue_depth(amqp_url, "q.events.sync-service.company-created") == 30


def test_an_idle_publisher_keeps_its_connection_past_the_brokers_heartbeat_timeout(amqp_url, caplog) -> None:
    """With a 1 s heartbeat the broker drops a connection nobody services after ~2 s: the first
    publish after idling paid a failed attempt and a reconnection."""
    publisher = RabbitPublisher(f"{amqp_url}?heartbeat=1", bindings())
    body = json.dumps(company_event()).encode()
    publisher.publish(Delivery("company-created", body, {}))
    time.sleep(5)  # idle, as an API between requests: nothing to wait for but the clock
    with caplog.at_level(logging.WARNING, logger="main.resources.rabbit.publisher"):
        started = time.perf_counter()
        publisher.publish(Delivery("company-created", body, {}))
        took = time.perf_counter() - started
    publisher.close()
    assert publisher.connections_opened == 1, "the connection was dropped while idle"
    assert caplog.records == [] and took < 1


def test_the_request_id_travels_into_the_worker_log(rabbit_app, settings, amqp_url, geocoder, caplog) -> None:
    worker_container = bootstrap(replace(settings, amqp_url=amqp_url), geocoder=geocoder, consume=False)
    running = RunningWorker(build_consumer(worker_container))
    with caplog.at_level(logging.INFO, logger="main.messages"):
        rabbit_app.test_client().post(
            "/api/v1/events",
            json=company_event(company_id="traced"),
            headers={**HEADERS, "X-Request-Id": "trace-7"},
        )
        wait_until(lambda: worker_container.store.get_company("TRACED"))
        record = wait_until(lambda: [r for r in caplog.records if r.name == "main.messages"])[0]
    running.stop()
    worker_container.close()
    assert "request_id=trace-7" in record.getMessage()
    assert "outcome=applied" in record.getMessage()
