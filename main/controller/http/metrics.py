"""Request counts and latencies by route template, and `GET /metrics` for Prometheus.

The route is the rule Flask matched (`/api/v1/companies/<string:company_id>`), never the
path, so a million companies are one series; an unmatched path counts as `unmatched`.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, request

from main.util import metrics

STARTED = "company_graph.started"


def register_request_metrics(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        request.environ[STARTED] = time.perf_counter()

    # the series of each (method, route, status), looked up once: labels() costs a lock and
    # a few microseconds a request, most of what counting costs
    series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    @app.after_request
    def _count(response: Response) -> Response:
        started = request.environ.get(STARTED)
        rule = request.url_rule
        key = (request.method, rule.rule if rule is not None else "unmatched", response.status_code)
        found = series.get(key)
        if found is None:
            found = series.setdefault(
                key,
                (
                    metrics.http_requests.labels(key[0], key[1], str(key[2])),
                    metrics.http_duration.labels(key[0], key[1]),
                ),
            )
        found[0].inc()
        if started is not None:
            found[1].observe(time.perf_counter() - started)
        return response


def metrics_response() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)
