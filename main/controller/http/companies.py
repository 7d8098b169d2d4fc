"""`/api/v1/companies`: lookup, search, related companies and graph neighbourhoods."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import orjson
from flask import request
from flask.wrappers import Response
from flask_restx import Namespace, Resource
from werkzeug.wrappers import Request

from main.controller.http.caching import rendered_response
from main.controller.http.context import container
from main.controller.http.openapi import model
from main.controller.http.pagination import PAGE_PARAMS, envelope, int_arg, integer_param, window_arg
from main.schema import responses
from main.service.keys import industry_key
from main.service.model import SearchQuery

if TYPE_CHECKING:
    from main.service.lookup import CompanyLookup

ns = Namespace("companies", description="Company lookups")


SEARCH_PARAMS = {
    "q": "Words starting words of the name, any order ('glob corp' finds 'Globex Corporation');"
    " case- and accent-insensitive",
    "country": "ISO 3166-1 alpha-2 code, e.g. IL",
    "industry": "Industry key or name, e.g. software",
    "city": "City key, e.g. US-CA-santa-clara",
    **PAGE_PARAMS,
}


@ns.route("")
class CompanyList(Resource):
    @ns.doc(params=SEARCH_PARAMS)
    @ns.response(200, "A page of companies", model("CompanyPage"))
    @ns.response(400, "Bad query parameters", model("Error"))
    @ns.response(404, "Page out of range", model("Error"))
    def get(self) -> dict[str, Any]:
        return envelope(request, container().lookup.search(search_query(request)), orjson.Fragment)


def search_query(request: Request) -> SearchQuery:
    """The search a request asks for (an ApiError when its parameters are not valid)."""
    args = request.args
    query = SearchQuery(
        q=(args.get("q") or "").strip() or None,
        country=(args.get("country") or "").strip().upper() or None,
        industry=_industry_filter(args.get("industry")),
        city=(args.get("city") or "").strip() or None,
    )
    return replace(query, window=window_arg(request, *_position_shapes(query)))


def _position_shapes(query: SearchQuery) -> tuple[tuple[type, ...], ...]:
    """By name (name, id), or by the word index (rowid) when there are words."""
    return ((int,),) if query.q else ((str, str),)


def _industry_filter(sent: str | None) -> str | None:
    """The industry key to filter by. A name with no letter or digit has no key, so nothing
    matches it, as with an unknown country: its text is looked up, which no key can equal
    (an empty key once dropped the filter and listed every company)."""
    if not sent or not sent.strip():
        return None
    return industry_key(sent) or sent


@ns.route("/<string:company_id>")
@ns.param("company_id", "Company id (case-insensitive)")
class CompanyItem(Resource):
    @ns.response(200, "The company", model("Company"))
    @ns.response(404, "Unknown company", model("Error"))
    @ns.response(304, "Not modified: the ETag sent with If-None-Match still holds")
    def get(self, company_id: str) -> Response:
        return rendered_response(container().lookup.get_rendered(company_id))


@ns.route("/<string:company_id>/related")
@ns.param("company_id", "Company id (case-insensitive)")
class RelatedCompanies(Resource):
    @ns.doc(params={"limit": integer_param("How many", 1, 100, 20)})
    @ns.response(200, "Companies sharing an industry or a place, most shared first", model("RelatedList"))
    @ns.response(400, "Bad query parameters", model("Error"))
    @ns.response(404, "Unknown company", model("Error"))
    def get(self, company_id: str) -> dict[str, Any]:
        return related_answer(container().lookup, request, company_id)


def related_answer(lookup: CompanyLookup, request: Request, company_id: str) -> dict[str, Any]:
    """The related list a request asks for (an ApiError or NotFound when it cannot be given)."""
    limit = int_arg(request, "limit", 20, 1, 100)
    return {
        "data": [
            {"company": orjson.Fragment(item["company"]), "score": item["score"], "shared": item["shared"]}
            for item in lookup.related(company_id, limit)
        ]
    }


@ns.route("/<string:company_id>/graph")
@ns.param("company_id", "Company id (case-insensitive)")
class CompanyGraph(Resource):
    @ns.doc(
        params={
            "depth": integer_param(
                "1: the company's places and industries; 2: also the companies sharing them", 1, 2, 1
            )
        }
    )
    @ns.response(200, "Nodes and edges around the company", model("Graph"))
    @ns.response(400, "Bad query parameters", model("Error"))
    @ns.response(404, "Unknown company", model("Error"))
    def get(self, company_id: str) -> dict[str, Any]:
        return graph_answer(container().lookup, request, company_id)


def graph_answer(lookup: CompanyLookup, request: Request, company_id: str) -> dict[str, Any]:
    """The neighbourhood a request asks for (an ApiError or NotFound when it cannot be given)."""
    depth = int_arg(request, "depth", 1, 1, 2)
    return responses.graph_view(lookup.neighbourhood(company_id, depth))
