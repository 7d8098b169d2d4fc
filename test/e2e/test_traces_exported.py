"""Traces as an operator gets them: uWSGI and the sync worker as processes, exporting over
OTLP/HTTP to a collector stand-in because OTEL_EXPORTER_OTLP_ENDPOINT is set."""

from __future__ import annotations

import threading
from pathlib import Path

import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from test.e2e.conftest import start_server
from test.e2e.workers import start_worker
from test.helpers import wait_until

EXPORT_SOON = {"OTEL_BSP_SCHEDULE_DELAY": "100"}


class Collector:
    """What the processes exported: (service name, span name, trace id hex, span kind) rows."""

    def __init__(self, httpserver: HTTPServer) -> None:
        self.url = httpserver.url_for("/").rstrip("/")
        self.spans: list[tuple[str, str, str, int]] = []
        self._lock = threading.Lock()
        httpserver.expect_request("/v1/traces", method="POST").respond_with_handler(self._receive)

    def _receive(self, request: Request) -> Response:
        sent = ExportTraceServiceRequest.FromString(request.get_data())
        with self._lock:
            for resource_spans in sent.resource_spans:
                attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                for scope in resource_spans.scope_spans:
                    self.spans.extend(
                        (attributes["service.name"], s.name, s.trace_id.hex(), s.kind) for s in scope.spans
                    )
        return Response(b"", content_type="application/x-protobuf")

    def named(self, name: str) -> list[tuple[str, str, str, int]]:
        with self._lock:
            return [s for s in self.spans if s[1] == name]


def test_the_api_and_the_worker_export_one_trace_per_posted_event(
    tmp_path: Path, amqp_url: str, httpserver: HTTPServer
) -> None:
    collector = Collector(httpserver)
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, **EXPORT_SOON}
    server = start_server(tmp_path, AMQP_URL=amqp_url, **otel)
    worker = start_worker(f"sqlite:///{tmp_path}/graph.db", amqp_url, tmp_path / "worker.log", **otel)
    try:
        event = {"eventType": "company-created", "data": {"id": "traced-1", "name": "Traced Oy"}}
        answer = requests.post(
            f"{server.url}/api/v1/events", json=event, headers={"X-API-Key": server.api_key}, timeout=5
        )
        assert answer.status_code == 202
        assert requests.get(f"{server.url}/health", timeout=5).ok
        wait_until(lambda: collector.named("process company-created"), timeout=20)
        wait_until(lambda: collector.named("POST /api/v1/events"), timeout=20)
    finally:
        worker.terminate()
        worker.wait(30)
        server.stop()
    ((api, _, trace_id, _),) = collector.named("POST /api/v1/events")
    ((worker_service, _, worker_trace_id, _),) = collector.named("process company-created")
    assert (api, worker_service) == ("company-graph-api", "company-graph-worker")
    assert worker_trace_id == trace_id
    assert {s[0] for s in collector.named("publish company-created")} == {"company-graph-api"}
    assert not collector.named("GET /health")
