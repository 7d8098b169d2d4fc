"""What flask-restx writes into /swagger.json, finished where clients read it otherwise.

* Every operation behind nginx's rate limit (all but the probes) may be answered 429 with
  `Retry-After`, and every operation 414 or 431 by nginx, and says so: a client generated
  from the spec, or a fuzzer checking conformance, met them untold otherwise.
* A nullable reference (`place.country`, `state`, `city` may be null) is written as an
  `allOf` of the `$ref` beside `x-nullable`: beside a bare `$ref` every other keyword is
  ignored, and converters to OpenAPI 3 dropped it, so generated clients crashed on a
  company without a state.
"""

from __future__ import annotations

from typing import Any

from flask_restx import Api

from main.controller.http.openapi31 import openapi_document

# nginx's locations of their own, outside its rate limit (nginx/nginx.conf.template)
NOT_RATE_LIMITED = ("/health", "/ready")
ERROR = {"$ref": "#/definitions/Error"}
# What nginx answers itself, in the API's error body, on any operation it passes on
FROM_NGINX = {
    "414": {"description": "The URL is longer than nginx's buffers (16 KiB a line)", "schema": ERROR},
    "431": {
        "description": "Headers larger than nginx's buffers (16 KiB each, 64 KiB in all)",
        "schema": ERROR,
    },
}
TOO_MANY = {
    "description": "Too many requests from this client (nginx's rate limit): retry after Retry-After",
    "schema": ERROR,
    "headers": {"Retry-After": {"type": "integer", "description": "Seconds to wait before retrying"}},
}
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch")


class DocumentedApi(Api):
    @property
    def __schema__(self) -> dict[str, Any]:
        schema = _RESTX_SCHEMA.__get__(self, type(self))
        if "paths" in schema and self.__dict__.get("_finished") is not schema:
            finish(schema)
            self.__dict__["_finished"] = schema  # restx builds it once and keeps it
            self.__dict__["_openapi"] = openapi_document(schema)
        return schema

    @property
    def openapi(self) -> dict[str, Any]:
        """The same operations as OpenAPI 3.1 (/openapi.json), written once, beside restx's."""
        self.__schema__  # noqa: B018 (builds both documents on first use)
        return self.__dict__["_openapi"]


_RESTX_SCHEMA = Api.__dict__["__schema__"]


def finish(schema: dict[str, Any]) -> None:
    for path, item in schema["paths"].items():
        for method in OPERATIONS:
            if method not in item:
                continue
            operation = item[method]
            responses = operation.setdefault("responses", {})
            responses.update(FROM_NGINX)
            if path not in NOT_RATE_LIMITED:
                responses["429"] = TOO_MANY
            produces = operation.get("produces")
            if produces and "application/json" not in produces:
                operation["produces"] = [*produces, "application/json"]  # its errors are JSON
    for definition in schema.get("definitions", {}).values():
        for name, prop in (definition.get("properties") or {}).items():
            if "$ref" in prop and prop.get("x-nullable"):
                definition["properties"][name] = {
                    "allOf": [{"$ref": prop["$ref"]}],
                    **{k: v for k, v in prop.items() if k != "$ref"},
                }
