"""Metrics as Prometheus scrapes them: from uWSGI's processes together, and from the worker."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pika
import requests
from prometheus_client.parser import text_string_to_metric_families

from test.e2e.conftest import start_server
from test.e2e.workers import StreamPublisher, start_worker
from test.helpers import company_event, wait_until
from test.servers import free_port


def total(url: str, name: str, **labels: str) -> float:
    text = requests.get(url, timeout=5).text
    return sum(
        found.value
        for family in text_string_to_metric_families(text)
        for found in family.samples
        if found.name == name and all(found.labels.get(k) == v for k, v in labels.items())
    )


def test_a_scrape_sums_every_uwsgi_process_whichever_answers_it(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        # /ready, which nothing else asks for here (start-up polls /health, some of them late)
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: requests.get(f"{server.url}/ready", timeout=5), range(200)))
        assert all(a.ok for a in answers)
        writers = {
            path.stem.rsplit("_", 1)[-1] for path in (tmp_path / "var" / "metrics").glob("counter_*.db")
        }
        assert len(writers) >= 2, "both workers served and wrote their counts"
        for _ in range(3):  # each scrape may reach either process
            assert total(f"{server.url}/metrics", "http_requests_total", route="/ready") == 200
    finally:
        server.stop()


def test_a_restarted_server_counts_from_zero(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    for _ in range(50):
        requests.get(f"{first.url}/ready", timeout=5)
    assert total(f"{first.url}/metrics", "http_requests_total", route="/ready") == 50
    first.stop()
    second = start_server(tmp_path)
    try:
        assert total(f"{second.url}/metrics", "http_requests_total", route="/ready") == 0
    finally:
        second.stop()


def test_the_workers_counts_move_as_it_applies_and_dead_letters(tmp_path: Path, amqp_url: str) -> None:
    port = free_port()
    worker = start_worker(
        f"sqlite:///{tmp_path}/graph.db", amqp_url, tmp_path / "worker.log", METRICS_PORT=str(port)
    )
    url = f"http://127.0.0.1:{port}/metrics"
    wait_until(lambda: _answers(url), timeout=60, interval=0.1)
    events = [company_event(name=f"Scraped {n}") for n in range(20)]
    publisher = StreamPublisher(amqp_url, events)
    publisher.start()
    publisher.join(30)
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    connection.channel().basic_publish("ex.events", "company-created", json.dumps({"eventType": 1}).encode())
    connection.close()
    applied = {"routing_key": "company-created", "outcome": "applied"}
    assert wait_until(lambda: total(url, "events_total", **applied) == 20, timeout=30)
    assert wait_until(lambda: total(url, "events_total", outcome="dead-letter") == 1, timeout=30)
    assert total(url, "worker_batch_size_events_sum") == 20
    assert total(url, "broker_queue_messages", queue="q.events.sync-service.dead") == 1
    assert total(url, "broker_queue_consumers", queue="q.events.sync-service.company-created") == 1
    assert total(url, "broker_up") == 1
    worker.terminate()
    worker.wait(30)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False
