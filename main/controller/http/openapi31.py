"""`/openapi.json`: the API as OpenAPI 3.1, the document clients generate from.

Written from the same route table as `/swagger.json` (flask-restx's operations,
parameters and statuses, as swagger.py finishes them) and from the same marshmallow
schemas, through apispec's 3.1 writer, exact where Swagger 2.0 could not be: nullable
parts as `type: [..., "null"]` (or `anyOf` a `null`), the event body as a `oneOf` told
apart by `eventType` (`name` required to create), a location and an industry as the
unions the intake takes, every status an operation can meet with the one error body,
`Retry-After` where the API or nginx sends it, both security schemes with the scopes
their operations need, and examples from the demo data. test/controller/test_openapi31.py
holds the two documents to the same operations and parameters.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields

from main.controller.cli import DEMO_FILE
from main.controller.http.auth import WRITE_SCOPE
from main.controller.http.openapi import SCHEMAS, bound_integers
from main.schema.contract import schema_name
from main.schema.events import INDUSTRY, LOCATION_TEXT, IndustryField, LocationField, LocationSchema
from main.service.model import CREATED, DELETED, UPDATED

SCHEMAS_AT = "#/components/schemas/"
ERROR = {"$ref": f"{SCHEMAS_AT}Error"}
JSON = "application/json"
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch")
RETRY_AFTER = {"description": "Seconds to wait before retrying", "schema": {"type": "integer", "minimum": 0}}
# Statuses every operation may meet besides its own: a method the path does not take, and,
# where it reads or writes anything, a dependency (the graph store, the broker) down a moment
NOT_ALLOWED = "The path does not take this method (Allow lists those it takes)"
NO_CREDENTIAL = "No credential, a wrong API key or an invalid token"
NOT_GRANTED = "A token without the scope this needs"
API = "/api/v1"
UNAVAILABLE = "A dependency is unavailable: retry after Retry-After"
WITHOUT_DEPENDENCIES = ("/health", "/metrics")
EVENT_KINDS = {CREATED: "CompanyCreated", UPDATED: "CompanyUpdated", DELETED: "CompanyDeleted"}


def openapi_document(swagger: dict[str, Any]) -> dict[str, Any]:
    """The 3.1 document of the operations `swagger` (flask-restx's 2.0 document) holds."""
    paths = {
        path: _path_item(item, swagger.get("produces") or [JSON], path)
        for path, item in swagger["paths"].items()
    }
    document = {
        "openapi": "3.1.0",
        "info": {**swagger["info"], "summary": "Companies, their places and industries, as a graph."},
        "servers": [{"url": "/"}],
        "tags": swagger.get("tags", []),
        "paths": paths,
        "components": {"schemas": components(), "securitySchemes": SECURITY_SCHEMES},
    }
    if "security" in swagger:  # reads behind authentication (READS_REQUIRE_AUTH)
        document["security"] = [{"apikey": []}, {"bearer": ["companies:read"]}]
        _protect_reads(paths)
    return document


def _protect_reads(paths: dict[str, Any]) -> None:
    """Every read of the API may then be refused for its credential; the probes stay open."""
    for path, item in paths.items():
        for method in OPERATIONS:
            if method not in item:
                continue
            if not path.startswith(f"{API}/"):
                item[method]["security"] = []
            elif method == "get":
                item[method]["responses"].setdefault("401", _error_response(NO_CREDENTIAL))
                item[method]["responses"].setdefault("403", _error_response(NOT_GRANTED))


SECURITY_SCHEMES = {
    "apikey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "An API key (API_KEYS)"},
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            f"An OAuth2 access token from the configured issuer; writes need the scope `{WRITE_SCOPE}`,"
            " reads (where they are protected) `companies:read`"
        ),
    },
}


def _path_item(item: dict[str, Any], produces: list[str], path: str) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    if "parameters" in item:
        converted["parameters"] = [_parameter(p) for p in item["parameters"]]
    for method in OPERATIONS:
        if method in item:
            converted[method] = _operation(item[method], produces, path not in WITHOUT_DEPENDENCIES)
    return converted


def _operation(operation: dict[str, Any], produces: list[str], depends: bool) -> dict[str, Any]:
    converted = {
        key: operation[key] for key in ("operationId", "summary", "description", "tags") if key in operation
    }
    parameters = [p for p in operation.get("parameters", []) if p["in"] != "body"]
    if parameters:
        converted["parameters"] = [_parameter(p) for p in parameters]
    if any(p["in"] == "body" for p in operation.get("parameters", [])):
        converted["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": {"$ref": f"{SCHEMAS_AT}EventBody"}, "examples": event_examples()}},
        }
    responses = {
        code: _response(response, operation.get("produces") or produces)
        for code, response in operation["responses"].items()
    }
    responses.setdefault("405", _error_response(NOT_ALLOWED))
    if depends:
        responses.setdefault("503", _error_response(UNAVAILABLE))
        if responses["503"]["content"][JSON]["schema"] == ERROR:
            responses["503"]["headers"] = {"Retry-After": RETRY_AFTER}
    converted["responses"] = responses
    if "security" in operation:
        converted["security"] = [
            {name: [WRITE_SCOPE] if name == "bearer" else [] for name in requirement}
            for requirement in operation["security"]
        ]
    return converted


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": ERROR}}}


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = {
        key: parameter[key]
        for key in (
            "type",
            "format",
            "minimum",
            "maximum",
            "default",
            "enum",
            "items",
            "minLength",
            "maxLength",
            "pattern",
        )
        if key in parameter
    }
    converted = {"name": parameter["name"], "in": parameter["in"], "schema": schema}
    if "description" in parameter:
        converted["description"] = parameter["description"]
    if parameter.get("required"):
        converted["required"] = True
    return converted


def _response(response: dict[str, Any], produces: list[str]) -> dict[str, Any]:
    converted: dict[str, Any] = {"description": response.get("description", "")}
    if "schema" in response:
        converted["content"] = {JSON: {"schema": _refs(response["schema"])}}
    elif not produces[0].startswith(JSON):
        converted["content"] = {produces[0]: {"schema": {"type": "string"}}}
    if "headers" in response:
        converted["headers"] = {
            name: {
                "description": header.get("description", ""),
                "schema": {"type": header.get("type", "string")},
            }
            for name, header in response["headers"].items()
        }
    return converted


def _refs(node: Any) -> Any:
    """2.0's references to definitions, pointed at 3.1's components."""
    if isinstance(node, dict):
        return {
            key: value.replace("#/definitions/", SCHEMAS_AT) if key == "$ref" else _refs(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_refs(value) for value in node]
    return node


@cache
def components() -> dict[str, Any]:
    """The marshmallow schemas as 3.1 writes them, with the unions 2.0 could only describe."""
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec("company-graph", "1", "3.1.0", plugins=[plugin])
    plugin.converter.add_attribute_function(_unions)
    spec.components.schema("Location", schema=LocationSchema)
    for name, schema in SCHEMAS.items():
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    schemas = copy.deepcopy(spec.to_dict()["components"]["schemas"])
    bound_integers(schemas, SCHEMAS_AT)
    schemas["EventBody"] = {
        "description": "A company event: its eventType says which of these it is",
        "oneOf": [{"$ref": f"{SCHEMAS_AT}{name}"} for name in EVENT_KINDS.values()],
        "discriminator": {
            "propertyName": "eventType",
            "mapping": {kind: f"{SCHEMAS_AT}{name}" for kind, name in EVENT_KINDS.items()},
        },
    }
    for kind, name in EVENT_KINDS.items():
        schemas[name] = _event_of_kind(schemas["Event"], kind)
    return schemas


def _event_of_kind(event: dict[str, Any], kind: str) -> dict[str, Any]:
    """The event schema with its eventType fixed, and for a creation its company named."""
    properties = {**event["properties"], "eventType": {"type": "string", "const": kind}}
    if kind == CREATED:
        properties["data"] = {"allOf": [{"$ref": f"{SCHEMAS_AT}CompanyData"}], "required": ["id", "name"]}
    return {**event, "properties": properties}


def _unions(_converter: object, field: fields.Field, **_: Any) -> dict[str, Any]:
    if isinstance(field, LocationField):
        return {
            "description": "Free text, or the parts of a place",
            "oneOf": [
                {"type": "string", "description": f"kept to {LOCATION_TEXT.kept} characters"},
                {"$ref": f"{SCHEMAS_AT}Location"},
                {"type": "null"},
            ],
        }
    if isinstance(field, IndustryField):
        return {
            "description": "One industry, or a list of them",
            "oneOf": [
                {"type": "string", "description": f"kept to {INDUSTRY.kept} characters"},
                {"type": "array", "items": {"type": "string"}},
                {"type": "null"},
            ],
        }
    return {}


@cache
def event_examples() -> dict[str, Any]:
    """The first event of each kind in the demo data."""
    found: dict[str, Any] = {}
    for line in DEMO_FILE.read_text().splitlines():
        event = json.loads(line)
        found.setdefault(event["eventType"], {"summary": f"A {event['eventType']} event", "value": event})
    return found
