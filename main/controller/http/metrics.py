"""Request counts and latencies by route template, and `GET /metrics` for Prometheus.

Counted by WSGI middleware around everything (the guard's refusals included): Flask's
before and after hooks cost a few microseconds each just to be called, more than the
counting itself. The route is the rule Flask matched (`/api/v1/companies/<string:company_id>`),
never the path, so a million companies are one series; `RoutedRequest` leaves it in the
environ, where the middleware reads it once Flask is done (Flask unhooks its request from
the environ then). A request no rule matched counts as `unmatched`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Request, Response
from werkzeug.routing import Rule

from main.util import metrics

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
RULE = "company_graph.rule"


class RoutedRequest(Request):
    """Flask's request, keeping the rule it matched in the environ too."""

    @property
    def url_rule(self) -> Rule | None:  # type: ignore[override]
        return self.environ.get(RULE)

    @url_rule.setter
    def url_rule(self, rule: Rule | None) -> None:
        self.environ[RULE] = rule


class RequestMetrics:
    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        # each (method, route, status) series looked up once: labels() takes a lock
        self._series: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = []

        def start(line: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            status.append(line[:3])
            return start_response(line, headers, *exc_info)

        try:
            return self.app(environ, start)
        finally:
            self._count(environ, status[-1] if status else "500", time.perf_counter() - started)

    def _count(self, environ: dict[str, Any], status: str, seconds: float) -> None:
        rule = environ.get(RULE)
        key = (environ.get("REQUEST_METHOD") or "-", rule.rule if rule is not None else "unmatched", status)
        found = self._series.get(key)
        if found is None:
            found = self._series.setdefault(
                key,
                (metrics.http_requests.labels(*key), metrics.http_duration.labels(key[0], key[1])),
            )
        found[0].inc()
        found[1].observe(seconds)


def metrics_response() -> Response:
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type)
