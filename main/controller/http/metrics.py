"""Request counts and latencies by route template, and `GET /metrics` for Prometheus.

The route is the rule Flask matched (`/api/v1/companies/<string:company_id>`), never the
path, so a million companies are one series; an unmatched path counts as `unmatched`.
"""

from __future__ import annotations

import time

from flask import Flask, Response, request

from main.util import metrics

STARTED = "company_graph.started"


def register_request_metrics(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        request.environ[STARTED] = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        started = request.environ.get(STARTED)
        route = request.url_rule.rule if request.url_rule is not None else "unmatched"
        method = request.method
        metrics.http_requests.labels(method, route, str(response.status_code)).inc()
        if started is not None:
            metrics.http_duration.labels(method, route).observe(time.perf_counter() - started)
        return response


def metrics_response() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)
