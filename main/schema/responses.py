"""Marshmallow schemas of what the API returns; the OpenAPI spec is generated from them too."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_dump

KNOWN_COMPANY_FIELDS = {
    "id",
    "name",
    "industries",
    "place",
    "location",
    "website",
    "description",
    "founded",
    "employees",
    "updatedAt",
}


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
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class Links(Schema):
    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    next = fields.String(allow_none=True)
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
    score = fields.Integer(required=True, metadata={"description": "City/industry 3, state 2, country 1"})
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
    truncated = fields.Boolean(required=True)


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
