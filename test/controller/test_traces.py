"""Traces, read from the OpenTelemetry SDK's in-memory exporter: one trace from the POST
through the bus (in-process or RabbitMQ) to the worker's apply, and log lines that carry it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import pika
import pytest
from flask.testing import FlaskClient
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from main.bootstrap import bootstrap, build_consumer
from main.controller.http.app import create_app
from main.util import tracing
from main.util.config import Settings
from main.util.logging import configure_logging
from test.conftest import API_KEY, new_id
from test.helpers import wait_until
from test.resources.test_rabbit_worker import RunningWorker
from test.util.test_logging import lines, root_handlers  # noqa: F401 (a fixture)


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.enable(provider)
    yield exporter
    tracing.disable()
    provider.shutdown()


def post_event(client: FlaskClient, company_id: str, location: str = "Berlin, Germany") -> None:
    event = {
        "eventType": "company-created",
        "data": {"id": company_id, "name": "Traced GmbH", "industry": "Software", "location": location},
    }
    answer = client.post("/api/v1/events", json=event, headers={"X-API-Key": API_KEY})
    assert answer.status_code == 202, answer.get_json()


def one(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    (found,) = [s for s in spans if s.name == name]
    return found


def assert_one_trace_from_post_to_apply(spans: list[ReadableSpan]) -> None:
    request = one(spans, "POST /api/v1/events")
    publish = one(spans, "publish company-created")
    process = one(spans, "process company-created")
    assert request.kind is SpanKind.SERVER and request.attributes["http.status_code"] == 202
    assert publish.kind is SpanKind.PRODUCER and publish.parent.span_id == request.context.span_id
    assert process.kind is SpanKind.CONSUMER and process.parent.span_id == publish.context.span_id
    assert process.context.trace_id == request.context.trace_id
    assert process.attributes["outcome"] == "applied"
    batch = next(s for s in spans if s.name == "apply batch" and s.links)
    assert process.context in [link.context for link in batch.links]
    write = one(spans, "graph write")
    assert write.parent.span_id == batch.context.span_id


def test_a_posted_event_and_its_apply_share_one_trace_on_the_in_process_bus(
    exported: InMemorySpanExporter, settings: Settings, geocoder
) -> None:
    container = bootstrap(settings, geocoder=geocoder)
    try:
        post_event(create_app(container).test_client(), new_id())
        assert container.bus.drain()
    finally:
        container.close()
    assert_one_trace_from_post_to_apply(list(exported.get_finished_spans()))


def test_a_posted_event_and_its_apply_share_one_trace_through_rabbitmq(
    exported: InMemorySpanExporter, settings: Settings, amqp_url: str, geocoder
) -> None:
    rabbit = replace(settings, amqp_url=amqp_url)
    api = bootstrap(rabbit, geocoder=geocoder)
    worker_side = bootstrap(rabbit, geocoder=geocoder, consume=False)
    worker = RunningWorker(build_consumer(worker_side))
    company = new_id()
    try:
        post_event(create_app(api).test_client(), company)
        wait_until(lambda: worker_side.store.get_company(company.upper()) is not None, timeout=10)
        wait_until(lambda: any(s.name == "process company-created" for s in exported.get_finished_spans()))
    finally:
        worker.stop()
        worker_side.close()
        api.close()
    assert_one_trace_from_post_to_apply(list(exported.get_finished_spans()))


def test_probes_and_scrapes_make_no_traces(exported: InMemorySpanExporter, client_factory) -> None:
    client = client_factory()
    for path in ("/health", "/ready", "/metrics", "/health?x=1"):
        assert client.get(path).status_code == 200
    assert client.get("/api/v1/companies/NOPE").status_code == 404
    assert [s.name for s in exported.get_finished_spans()] == ["GET /api/v1/companies/<string:company_id>"]


@pytest.fixture
def client_factory(container) -> Iterator:
    yield lambda: create_app(container).test_client()


@pytest.mark.usefixtures("root_handlers")
def test_a_log_line_written_in_a_span_names_its_trace(
    exported: InMemorySpanExporter, capfd: pytest.CaptureFixture
) -> None:
    configure_logging("INFO", "json")
    with tracing.span("work") as span:
        logging.getLogger("main.x").info("inside")
    logging.getLogger("main.x").info("outside")
    inside, outside = lines(capfd.readouterr().err)
    assert inside["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert "trace_id" not in outside


def test_with_tracing_off_messages_carry_no_trace_context(
    settings: Settings, amqp_url: str, geocoder
) -> None:
    api = bootstrap(replace(settings, amqp_url=amqp_url), geocoder=geocoder)
    try:
        post_event(create_app(api).test_client(), new_id())
    finally:
        api.close()
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        method, props, body = connection.channel().basic_get(
            "q.events.sync-service.company-created", auto_ack=True
        )
    finally:
        connection.close()
    assert method is not None and json.loads(body)["data"]["name"] == "Traced GmbH"
    assert "traceparent" not in (props.headers or {}) and props.headers["X-Request-Id"]
