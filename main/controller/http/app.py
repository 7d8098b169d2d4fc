"""The Flask app factory: the only way to build the HTTP side, from a container."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, jsonify
from werkzeug.middleware.proxy_fix import ProxyFix

from main.controller.broker_cli import register_broker_commands
from main.controller.cli import register_commands
from main.controller.http import companies, events, health, places, schemas
from main.controller.http.access_log import AccessLog
from main.controller.http.auth import AUTHORIZATIONS, EITHER, protect_reads
from main.controller.http.caching import register_cache_headers
from main.controller.http.errors import register_error_handlers
from main.controller.http.fast_paths import FastPaths, register_refusals
from main.controller.http.guard import RequestGuard
from main.controller.http.metrics import RequestMetrics, RoutedRequest
from main.controller.http.openapi import register_models
from main.controller.http.pages import pages
from main.controller.http.representation import output_json
from main.controller.http.request_ids import RequestIds
from main.controller.http.swagger import DocumentedApi
from main.util import tracing

if TYPE_CHECKING:
    from main.bootstrap import Container

API_PREFIX = "/api/v1"
# Matched against the request's full URL, query included.
UNTRACED_URLS = r"^[a-z]+://[^/]+/(health|ready|metrics)(\?|$)"


def create_app(container: Container) -> Flask:
    # static files are the pages' (their blueprint's folder), none of the app's own
    app = Flask("company-graph", static_folder=None)
    app.request_class = RoutedRequest
    app.config.update(
        MAX_CONTENT_LENGTH=container.settings.max_body_bytes,
        RESTX_INCLUDE_ALL_MODELS=True,
        RESTX_ERROR_404_HELP=False,
        RESTX_MASK_SWAGGER=False,
        ERROR_INCLUDE_MESSAGE=False,
    )
    # `//api/v1/...` is an unknown path (a JSON 404), not an HTML redirect to the merged one
    app.url_map.merge_slashes = False
    app.extensions["company_graph"] = container
    api = DocumentedApi(
        app,
        version="1.0",
        title="company-graph",
        description="Companies, their places and industries, as a graph.",
        doc=False,  # Swagger UI 5 at /docs, which reads OpenAPI 3.1 (pages.py)
        catch_all_404s=True,
        authorizations=AUTHORIZATIONS,
        security=EITHER if container.settings.reads_require_auth else None,
    )
    api.representations["application/json"] = output_json
    register_models(api)
    api.add_namespace(companies.ns, path=f"{API_PREFIX}/companies")
    for ns in places.NAMESPACES:
        api.add_namespace(ns, path=f"{API_PREFIX}/{ns.name}")
    api.add_namespace(events.ns, path=f"{API_PREFIX}/events")
    api.add_namespace(schemas.ns, path=f"{API_PREFIX}/schemas")
    api.add_namespace(health.ns, path="/")
    app.register_blueprint(pages)
    app.add_url_rule("/openapi.json", "openapi", lambda: jsonify(api.openapi))
    register_error_handlers(app, api)
    register_cache_headers(app, container.settings.cache_ttl_seconds)
    if container.settings.reads_require_auth:
        protect_reads(app, API_PREFIX)
    register_commands(app)
    register_broker_commands(app)
    wrap_in_middleware(app, container)
    trace_requests(app)
    return app


def wrap_in_middleware(app: Flask, container: Container) -> None:
    """Outermost first: metrics, request ids, the access log where on, the guard, the fast
    paths, ProxyFix, Flask."""
    settings = container.settings
    if settings.proxy_hops:
        # Behind nginx (and an ingress): the client's scheme, host and address come from the
        # X-Forwarded-* headers the trusted proxies set, so Swagger UI and links are right.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if not settings.reads_require_auth and tracing.provider() is None:
        app.wsgi_app = FastPaths(app.wsgi_app, container.lookup, app.url_map, settings.cache_ttl_seconds)
        register_refusals(app)
    inner = RequestGuard(app.wsgi_app)
    app.wsgi_app = RequestIds(AccessLog(inner) if settings.access_log else inner)
    if settings.metrics_enabled:
        app.wsgi_app = RequestMetrics(app.wsgi_app)


def trace_requests(app: Flask) -> None:
    """A server span per request (OTel's Flask instrumentation), outermost, when tracing is on.

    Probes and scrapes are left out: they would be most of the traces and tell nothing.
    """
    if tracing.provider() is None:
        return
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor.instrument_app(
        app, tracer_provider=tracing.provider(), excluded_urls=UNTRACED_URLS, enable_commenter=False
    )
