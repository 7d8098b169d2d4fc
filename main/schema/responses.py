"""Marshmallow schemas of what the API returns; the OpenAPI spec is generated from them too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from marshmallow import Schema, fields, pre_dump

from main.service.company_json import KNOWN_COMPANY_FIELDS, number_or_none, text_or_none


class Ref(Schema):
    key = fields.String(required=True)
    name = fields.String(allow_none=True)


class CityRef(Ref):
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class PlaceSummary(Schema):
    country = fields.Nested(Ref, allow_none=True)
    state = fields.Nested(Ref, allow_none=True)
    city = fields.Nested(CityRef, allow_none=True)
    raw = fields.String(allow_none=True, metadata={"description": "What the resolver could not resolve"})


class Company(Schema):
    id = fields.String(required=True)
    name = fields.String(allow_none=True)
    industries = fields.List(fields.Nested(Ref))
    place = fields.Nested(PlaceSummary, allow_none=True)
    location = fields.Raw(allow_none=True, metadata={"description": "The location as the event sent it"})
    website = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    founded = fields.Integer(allow_none=True)
    employees = fields.Integer(allow_none=True)
    updatedAt = fields.String(allow_none=True)
    properties = fields.Dict(metadata={"description": "Fields the publisher sent beyond the contract"})

    @pre_dump
    def _split_properties(self, doc: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**doc, "properties": {k: v for k, v in doc.items() if k not in KNOWN_COMPANY_FIELDS}}


class Pagination(Schema):
    page = fields.Integer(
        allow_none=True, metadata={"description": "The page number; null when read by cursor"}
    )
    per_page = fields.Integer(required=True)
    total = fields.Integer(
        required=True,
        metadata={
            "description": "How many items the list holds: exact when total_exact (counted on write,"
            " or a word search's matches up to 1,000), else a lower bound (a word search with more"
            " than 1,000 matches); never 0 while an item matches"
        },
    )
    total_exact = fields.Boolean(
        required=True, metadata={"description": "Whether total is the list's size (else: at least total)"}
    )
    pages = fields.Integer(allow_none=True, metadata={"description": "null when the total is a lower bound"})


class Links(Schema):
    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(
        allow_none=True, metadata={"description": "null when the total is a lower bound or past page numbers"}
    )
    next = fields.String(
        allow_none=True,
        metadata={
            "description": "The next page, by an opaque cursor: the same cost at any depth. Null at the"
            " end: only the last page holds fewer items than per_page."
        },
    )
    prev = fields.String(allow_none=True)


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """The list envelope `{data, pagination, links}` of one kind of item."""
    return Schema.from_dict(
        {
            "data": fields.List(fields.Nested(item), required=True),
            "pagination": fields.Nested(Pagination, required=True),
            "links": fields.Nested(Links, required=True),
        },
        name=name,
    )


CompanyPage = page_of(Company, "CompanyPage")


class PlaceCount(Schema):
    key = fields.String(required=True)
    name = fields.String(allow_none=True)
    companies = fields.Integer(required=True)
    country = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


PlacePage = page_of(PlaceCount, "PlacePage")


class RelatedCompany(Schema):
    company = fields.Nested(Company, required=True)
    score = fields.Float(
        required=True,
        metadata={
            "description": "Sum over the shared places and industries of log((N + 1) / n), N the companies"
            " in all and n those sharing it: a small city weighs more than a country"
        },
    )
    shared = fields.List(fields.String(), required=True)


class RelatedList(Schema):
    data = fields.List(fields.Nested(RelatedCompany), required=True)


class GraphNode(Schema):
    id = fields.String(required=True)
    collection = fields.String(required=True)
    key = fields.String(required=True)
    properties = fields.Dict(required=True)


class GraphEdge(Schema):
    key = fields.String(required=True)
    kind = fields.String(required=True)
    from_ = fields.String(required=True, attribute="from", data_key="from")
    to = fields.String(required=True)


class Graph(Schema):
    nodes = fields.List(fields.Nested(GraphNode), required=True)
    edges = fields.List(fields.Nested(GraphEdge), required=True)
    truncated = fields.Boolean(
        required=True, metadata={"description": "Whether any neighbours were left out"}
    )
    omitted = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "Per place or industry, the companies sharing it left out (depth 2)"},
    )


class EventAccepted(Schema):
    eventId = fields.String(required=True)
    status = fields.String(required=True)


class Error(Schema):
    code = fields.Integer(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "The offending fields and what is wrong with each"})


class Health(Schema):
    status = fields.String(required=True)
    checks = fields.Dict()


def place_count_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """What `PlaceCount().dump(item)` writes (see company_json.company_view): a page of cities spent most of
    its time in marshmallow, at ten times the store's cost."""
    out: dict[str, Any] = {}
    for name in ("key", "name"):
        if name in item:
            out[name] = text_or_none(item[name])
    if "companies" in item:
        out["companies"] = None if item["companies"] is None else int(item["companies"])
    for name in ("country", "state"):
        if name in item:
            out[name] = text_or_none(item[name])
    for name in ("latitude", "longitude"):
        if name in item:
            out[name] = number_or_none(item[name])
    return out


def graph_view(graph: Any) -> dict[str, Any]:
    """What `Graph().dump(graph)` writes (see company_json.company_view), for a `Neighbourhood`."""
    return {
        "nodes": [_graph_node(node) for node in graph.nodes],
        "edges": [_graph_edge(edge) for edge in graph.edges],
        "truncated": bool(graph.truncated),
        "omitted": {str(key): int(count) for key, count in graph.omitted.items()},
    }


def _graph_node(node: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("id", "collection", "key"):
        if name in node:
            out[name] = text_or_none(node[name])
    if "properties" in node:
        out["properties"] = None if node["properties"] is None else dict(node["properties"])
    return out


def _graph_edge(edge: Mapping[str, Any]) -> dict[str, Any]:
    return {name: text_or_none(edge[name]) for name in ("key", "kind", "from", "to") if name in edge}


def encode(value: Any) -> bytes:
    """A JSON answer's body. orjson, not `json`: a page of twenty companies took the standard
    library ~110 us to encode, a tenth of a search at a million companies. It writes NaN and
    infinities as null (the intake refuses both, so no stored value holds one) and non-string
    keys as strings (marshmallow keys a list's errors by index), as `json` does."""
    return orjson.dumps(value, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS)
