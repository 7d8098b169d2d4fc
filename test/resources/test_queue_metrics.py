"""Queue depth and consumers as the worker's scrape reads them from a real broker."""

from __future__ import annotations

import pika
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from main.bootstrap import bindings, build_queue_metrics
from main.resources.rabbit.connection import open_channel
from main.resources.rabbit.queue_metrics import QueueMetrics
from main.util.config import Settings
from test.servers import free_port

CREATED = "q.events.sync-service.company-created"


def scrape(collector: QueueMetrics) -> dict[tuple[str, str], float]:
    registry = CollectorRegistry()
    registry.register(collector)
    return {
        (sample.name, sample.labels.get("queue", "")): sample.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
    }


def test_a_backlog_and_its_consumers_show_in_the_scrape(amqp_url: str) -> None:
    connection, channel = open_channel(amqp_url, bindings())
    collector = build_queue_metrics(Settings(amqp_url=amqp_url))
    try:
        persistent = pika.BasicProperties(delivery_mode=2)
        for _ in range(7):
            channel.basic_publish("ex.events", "company-created", b"{}", persistent)
        seen = scrape(collector)
        assert seen[("broker_queue_messages", CREATED)] == 7
        assert seen[("broker_queue_consumers", CREATED)] == 0
        assert seen[("broker_queue_messages", "q.events.sync-service.dead")] == 0
        assert seen[("broker_up", "")] == 1
        channel.basic_consume("q.events.sync-service.company-updated", lambda *_: None)
        assert scrape(collector)[("broker_queue_consumers", "q.events.sync-service.company-updated")] == 1
    finally:
        collector.close()
        connection.close()


def test_a_broker_that_does_not_answer_gives_no_figures_and_broker_up_0() -> None:
    collector = QueueMetrics(f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F", [CREATED])
    seen = scrape(collector)
    assert seen == {("broker_up", ""): 0}
