"""Swagger models generated from the marshmallow schemas, through apispec.

flask-restx does not read marshmallow, so apispec's MarshmallowPlugin turns each
schema into a JSON Schema definition, and each definition becomes a restx
SchemaModel. Built at import so namespaces can name them in decorators.
"""

from __future__ import annotations

from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask_restx import Api
from flask_restx.model import SchemaModel
from marshmallow import Schema

from main.schema import events, responses

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


def _name(schema: type[Schema] | Schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


@cache
def _models() -> dict[str, SchemaModel]:
    spec = APISpec("company-graph", "1", "2.0", plugins=[MarshmallowPlugin(schema_name_resolver=_name)])
    for name, schema in SCHEMAS.items():
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    return {name: SchemaModel(name, definition) for name, definition in spec.to_dict()["definitions"].items()}


def model(name: str) -> SchemaModel:
    return _models()[name]


def register_models(api: Api) -> None:
    """Every definition goes into the spec, nested ones included, so every $ref resolves."""
    for name, definition in _models().items():
        api.models[name] = definition
