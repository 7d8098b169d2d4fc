"""Probes and scrapes: `/health` (liveness: the process answers), `/ready` (readiness: its
dependencies answer) and `/metrics` (Prometheus)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_restx import Namespace, Resource

from main.controller.http.context import container
from main.controller.http.errors import ApiError
from main.controller.http.metrics import metrics_response
from main.controller.http.openapi import model
from main.util.metrics import CONTENT_TYPE_LATEST

ns = Namespace("health", description="Probes for Kubernetes")


ALIVE = b'{"status": "ok"}\n'


@ns.route("health")
class Health(Resource):
    @ns.response(200, "The process is alive", model("Health"))
    def get(self) -> Response:
        """Bytes written once: probes come often, and the answer never changes."""
        return Response(ALIVE, mimetype="application/json")


@ns.route("metrics")
class Metrics(Resource):
    @ns.response(200, "Prometheus' text format: every metric of every process of this server")
    @ns.response(404, "Metrics are off (METRICS_ENABLED=false)", model("Error"))
    @ns.produces([CONTENT_TYPE_LATEST])
    def get(self) -> Response:
        if not container().settings.metrics_enabled:
            raise ApiError(404, "Metrics are off on this server (METRICS_ENABLED=false).")
        return metrics_response()


@ns.route("ready")
class Ready(Resource):
    @ns.response(200, "Every dependency answers", model("Health"))
    @ns.response(503, "A dependency does not answer", model("Health"))
    def get(self) -> tuple[dict[str, Any], int]:
        """Every dependency this process uses, each named with "ok" or why it does not answer."""
        checks = container().readiness()
        if all(result == "ok" for result in checks.values()):
            return {"status": "ok", "checks": checks}, 200
        return {"status": "unavailable", "checks": checks}, 503
