"""The hottest reads answered without Flask: `GET /health`, a company lookup, a search, a
company's related list and its graph, and a page of countries, industries or cities.

The first two answers are bytes already (the lookup's are encoded once per change, with an
ETag): Flask's share of them (routing, request and response objects, flask-restx's
dispatch, the after-request hook) was most of a 150 µs request through nginx (bench/http).
The others are built by the same functions the Flask resources call (a search's query,
window and envelope), without the ~150 µs Flask and flask-restx add to each request.
Anything else, or anything unusual about such a request (a credential, reads behind
authentication, tracing on), goes to Flask unchanged, which answers it as it always has.
A request the fast path began and could not finish (an unknown company, parameters the
API refuses, a page out of range, a store that is down, a fault of its own) goes to Flask
with what stopped it: Flask raises that again before any view runs (`raise_refusal`) and
answers it as its own, so the store is not read twice and a fault is logged, not hidden.
test/controller/test_fast_paths.py holds both ways to the same status, headers and body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
from flask import Flask, request
from werkzeug.http import parse_etags, quote_etag
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from main.controller.http.caching import cache_headers
from main.controller.http.companies import graph_answer, related_answer, search_query
from main.controller.http.health import ALIVE
from main.controller.http.metrics import RULE
from main.controller.http.pagination import envelope
from main.controller.http.places import COLLECTIONS, places_answer
from main.schema.responses import encode

if TYPE_CHECKING:
    from main.service.lookup import CompanyLookup

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
SEARCH = "/api/v1/companies"
COMPANIES = f"{SEARCH}/"
CREDENTIALS = ("HTTP_X_API_KEY", "HTTP_AUTHORIZATION")
ALIVE_HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(ALIVE)))]
# Where a request carries what stopped the fast path to Flask.
REFUSAL = "company_graph.fast_path_refusal"


def raise_refusal() -> None:
    """Flask's first step for a request the fast path began: what stopped it, raised again."""
    refusal = request.environ.pop(REFUSAL, None)
    if refusal is not None:
        raise refusal


def register_refusals(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, raise_refusal)


class FastPaths:
    def __init__(self, app: WsgiApp, lookup: CompanyLookup, url_map: Map, ttl_seconds: float) -> None:
        self.app = app
        self.lookup = lookup
        self.cached = list(cache_headers(ttl_seconds).items())
        adapter = url_map.bind("localhost")
        self.health_rule: Rule = adapter.match("/health", return_rule=True)[0]
        self.company_rule: Rule = adapter.match(f"{COMPANIES}x", return_rule=True)[0]
        self.search_rule: Rule = adapter.match(SEARCH, return_rule=True)[0]
        self.views: dict[str, tuple[Rule, Callable[..., dict[str, Any]]]] = {
            view: (adapter.match(f"{COMPANIES}x/{view}", return_rule=True)[0], answer)
            for view, answer in (("related", related_answer), ("graph", graph_answer))
        }
        self.place_lists: dict[str, tuple[Rule, str]] = {
            f"/api/v1/{path}": (adapter.match(f"/api/v1/{path}", return_rule=True)[0], collection)
            for collection, (path, _) in COLLECTIONS.items()
        }

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] == "GET":
            answered = self._answer(environ, start_response)
            if answered is not None:
                return answered
        return self.app(environ, start_response)

    def _answer(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes] | None:
        path = environ.get("PATH_INFO", "")
        if path == "/health" and not environ.get("QUERY_STRING"):
            environ[RULE] = self.health_rule
            start_response("200 OK", list(ALIVE_HEADERS))
            return [ALIVE]
        if any(name in environ for name in CREDENTIALS):
            return None
        if path == SEARCH:
            return self._encoded(environ, start_response, self.search_rule, self._search)
        if path in self.place_lists:
            rule, collection = self.place_lists[path]
            return self._encoded(
                environ, start_response, rule, lambda request: places_answer(self.lookup, request, collection)
            )
        if not path.startswith(COMPANIES):
            return None
        try:
            company_id, slash, view = path[len(COMPANIES) :].encode("latin-1").decode("utf-8").partition("/")
        except UnicodeError:  # WSGI's path is latin-1 bytes
            return None
        if not company_id:
            return None
        if not slash:
            return None if environ.get("QUERY_STRING") else self._company(environ, company_id, start_response)
        if view not in self.views:
            return None
        rule, answer = self.views[view]
        return self._encoded(
            environ, start_response, rule, lambda request: answer(self.lookup, request, company_id)
        )

    def _search(self, request: Request) -> dict[str, Any]:
        return envelope(request, self.lookup.search(search_query(request)), orjson.Fragment)

    def _encoded(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        rule: Rule,
        answer: Callable[[Request], dict[str, Any]],
    ) -> Iterable[bytes] | None:
        try:
            body = encode(answer(Request(environ, shallow=True)))
        except Exception as exc:
            environ[REFUSAL] = exc
            return None
        environ[RULE] = rule
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers + self.cached)
        return [body]

    def _company(
        self, environ: dict[str, Any], company_id: str, start_response: Callable[..., Any]
    ) -> Iterable[bytes] | None:
        try:
            rendered = self.lookup.get_rendered(company_id)
        except Exception as exc:
            environ[REFUSAL] = exc
            return None
        environ[RULE] = self.company_rule
        etag = [("ETag", quote_etag(rendered.etag))]
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(rendered.etag):
            start_response("304 NOT MODIFIED", etag + self.cached)
            return []
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(rendered.body)))]
        start_response("200 OK", headers + etag + self.cached)
        return [rendered.body]
