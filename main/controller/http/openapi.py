"""Swagger models generated from the marshmallow schemas, through apispec.

flask-restx does not read marshmallow, so apispec's MarshmallowPlugin turns each
schema into a JSON Schema definition, and each definition becomes a restx
SchemaModel. Built at import so namespaces can name them in decorators.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_restx import Api
from flask_restx.model import SchemaModel
from marshmallow import Schema, fields

from main.schema import events, responses
from main.schema.contract import schema_name
from main.schema.events import (
    INDUSTRIES,
    INDUSTRY,
    LOCATION_TEXT,
    IndustryField,
    LocationField,
)

SCHEMAS: dict[str, type[Schema]] = {
    "Event": events.EventSchema,
    "Company": responses.Company,
    "CompanyPage": responses.CompanyPage,
    "PlacePage": responses.PlacePage,
    "RelatedList": responses.RelatedList,
    "Graph": responses.Graph,
    "EventAccepted": responses.EventAccepted,
    "Error": responses.Error,
    "Health": responses.Health,
}


@cache
def _models() -> dict[str, SchemaModel]:
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec("company-graph", "1", "2.0", plugins=[plugin])
    plugin.converter.add_attribute_function(_swagger2_shapes)
    for name, schema in SCHEMAS.items():
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    definitions = spec.to_dict()["definitions"]
    bound_integers(definitions, "#/definitions/")
    return {name: SchemaModel(name, definition) for name, definition in definitions.items()}


def bound_integers(definitions: dict[str, Any], at: str) -> None:
    """Numbers beyond the 64-bit range are refused anywhere in an event (main/schema/intake.py),
    fields beyond the contract included: say so, so that what the spec calls valid is
    accepted (schemathesis sent -3.7e29 in a field of its own)."""
    definitions["JsonValue"] = {
        "description": "Any JSON value; numbers within the 64-bit integer range, at any depth",
        "minimum": -(2**63),
        "maximum": 2**63 - 1,
        "items": {"$ref": f"{at}JsonValue"},
        "additionalProperties": {"$ref": f"{at}JsonValue"},
    }
    data = definitions["CompanyData"]
    data["additionalProperties"] = {"$ref": f"{at}JsonValue"}
    data["properties"]["employees"]["maximum"] = 2**63 - 1


def _swagger2_shapes(_converter: object, field: fields.Field, **_: Any) -> dict[str, Any]:
    """Swagger 2.0 has no "one of these types": a location or an industry is documented as the
    string it most often is, with the other shapes in words (the JSON Schema and Avro contracts
    at /api/v1/schemas say it exactly). What the spec calls valid is then always accepted."""
    if isinstance(field, LocationField):
        return {
            "type": "string",
            "description": (
                "Free text ('Santa Clara, California, U.S.'), or an object {city, state, country};"
                f" kept to {LOCATION_TEXT.kept} characters"
            ),
        }
    if isinstance(field, IndustryField):
        return {
            "type": "string",
            "description": (
                f"One industry, or a list of them; each kept to {INDUSTRY.kept}"
                f" characters (a longer one that lists several is split), the first {INDUSTRIES.kept} kept"
            ),
        }
    return {}


def model(name: str) -> SchemaModel:
    return _models()[name]


def register_models(api: Api) -> None:
    """Every definition goes into the spec, nested ones included, so every $ref resolves."""
    for name, definition in _models().items():
        api.models[name] = definition
