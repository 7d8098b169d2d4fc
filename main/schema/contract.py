"""The event contract published for other services: JSON Schema and Avro, from the marshmallow schema.

Both are generated from `EventSchema`, so the contract cannot drift from what the
worker accepts. JSON Schema (2020-12) comes through apispec; Avro is mapped field
by field (Avro has no 'one of these shapes' for a free field, so `location` is a
union of a string and a record, and fields beyond the contract travel as JSON
text in the `extra` map).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from main.schema.events import (
    CompanyDataSchema,
    EventSchema,
    IndustryField,
    LocationField,
    LocationSchema,
    WholeNumber,
)
from main.service.model import CREATED

JSON_SCHEMA_ID = "/api/v1/schemas/company-event.json"
NULLABLE_STRING = ["null", "string"]


def schema_name(schema: type[Schema] | Schema) -> str:
    """A marshmallow schema's name in a document: its class's, without "Schema"."""
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema")


@cache
def json_schema() -> dict[str, Any]:
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec("company-event", "1", "3.1.0", plugins=[plugin])

    def shapes(_converter: object, field: fields.Field, **_: Any) -> dict[str, Any]:
        # One schema with several types, not oneOf: each keyword applies only to its own type,
        # and validators need not try every branch (fastjsonschema raised 4 exceptions an event)
        if isinstance(field, LocationField):
            location = plugin.converter.schema2jsonschema(LocationSchema)
            return {**location, "type": ["string", "object", "null"]}
        if isinstance(field, IndustryField):
            return {"type": ["string", "array", "null"], "items": {"type": "string"}}
        return {}

    plugin.converter.add_attribute_function(shapes)
    spec.components.schema("CompanyEvent", schema=EventSchema)
    definitions = spec.to_dict()["components"]["schemas"]
    event = definitions.pop("CompanyEvent")
    return _refs_to_defs(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": JSON_SCHEMA_ID,
            "title": "Company event",
            **event,
            "if": {"properties": {"eventType": {"const": CREATED}}},
            "then": {"properties": {"data": {"required": ["id", "name"]}}},
            "$defs": definitions,
        }
    )


def _refs_to_defs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (v.replace("#/components/schemas/", "#/$defs/") if k == "$ref" else _refs_to_defs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_refs_to_defs(v) for v in node]
    return node


AVRO_TYPES: dict[type[fields.Field], Any] = {
    fields.String: "string",
    WholeNumber: "long",
    fields.AwareDateTime: "string",
    IndustryField: ["string", {"type": "array", "items": "string"}],
}


@cache
def avro_schema() -> dict[str, Any]:
    location = {
        "type": "record",
        "name": "Location",
        "fields": [{"name": n, "type": NULLABLE_STRING, "default": None} for n in LocationSchema().fields],
    }
    data_fields = [_avro_field(name, field, location) for name, field in CompanyDataSchema().fields.items()]
    data_fields.append(
        {
            "name": "extra",
            "type": ["null", {"type": "map", "values": "string"}],
            "default": None,
            "doc": "Fields beyond the contract, each value as JSON text",
        }
    )
    event_fields = [
        _avro_field(name, field, location) for name, field in EventSchema().fields.items() if name != "data"
    ]
    event_fields.append(
        {"name": "data", "type": {"type": "record", "name": "CompanyData", "fields": data_fields}}
    )
    return {
        "type": "record",
        "name": "CompanyEvent",
        "namespace": "company_graph.events",
        "fields": event_fields,
    }


def _avro_field(name: str, field: fields.Field, location: dict) -> dict[str, Any]:
    base = ["string", location] if isinstance(field, LocationField) else AVRO_TYPES[type(field)]
    types = base if isinstance(base, list) else [base]
    if field.required:
        return {"name": name, "type": base}
    return {"name": name, "type": ["null", *types], "default": None}


def to_avro_record(event: dict[str, Any]) -> dict[str, Any]:
    """An event as the JSON wire carries it, shaped for the Avro schema."""
    known = set(CompanyDataSchema().fields)
    data = {k: v for k, v in event["data"].items() if k in known}
    extra = {k: json.dumps(v) for k, v in event["data"].items() if k not in known}
    return {
        "eventId": event.get("eventId"),
        "eventType": event["eventType"],
        "occurredAt": event.get("occurredAt"),
        "data": {**dict.fromkeys(known), **data, "extra": extra or None},
    }
