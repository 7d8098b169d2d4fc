"""`/api/v1/schemas`: the event contract for publishers, as JSON Schema and as Avro."""

from __future__ import annotations

from typing import Any

from flask_restx import Namespace, Resource

from main.schema.contract import avro_schema, json_schema

ns = Namespace("schemas", description="The company event contract, for the services that publish events")


@ns.route("")
class SchemaList(Resource):
    def get(self) -> dict[str, Any]:
        """Where the contract is published."""
        return {
            "data": [
                {
                    "name": "company-event",
                    "format": "JSON Schema 2020-12",
                    "href": "/api/v1/schemas/company-event.json",
                },
                {"name": "company-event", "format": "Avro", "href": "/api/v1/schemas/company-event.avsc"},
            ]
        }


@ns.route("/company-event.json")
class EventJsonSchema(Resource):
    def get(self) -> dict[str, Any]:
        """The event as JSON Schema (2020-12), generated from the schema the worker validates with."""
        return json_schema()


@ns.route("/company-event.avsc")
class EventAvroSchema(Resource):
    def get(self) -> dict[str, Any]:
        """The same event as an Avro record schema."""
        return avro_schema()
