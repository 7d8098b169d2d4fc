"""`POST /api/v1/events`: validate an event and hand it to the bus; 202 with its id."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from flask_restx import Namespace, Resource
from marshmallow import ValidationError

from main.controller.http.auth import require_api_key
from main.controller.http.context import container
from main.controller.http.errors import ApiError
from main.controller.http.openapi import model
from main.schema.loading import load_event
from main.service.keys import company_key
from main.service.ports import Delivery
from main.util.request_id import HEADER as REQUEST_ID_HEADER
from main.util.request_id import current_request_id

ns = Namespace("events", description="Publish company events")


def _json_body() -> Any:
    if request.mimetype != "application/json":
        raise ApiError(
            415,
            "The body must be JSON.",
            {"Content-Type": [f"Expected application/json, got {request.mimetype or 'none'!r}."]},
        )
    raw = request.get_data(cache=False)
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "The body is not valid JSON.", {"body": [str(exc)]}) from None


@ns.route("")
class Events(Resource):
    @ns.doc(security="apikey")
    @ns.expect(model("Event"))
    @ns.response(202, "Accepted: the event will be applied shortly", model("EventAccepted"))
    @ns.response(400, "Malformed JSON or an invalid event", model("Error"))
    @ns.response(401, "Missing or wrong API key", model("Error"))
    @ns.response(413, "Body over the size limit", model("Error"))
    @ns.response(415, "Body is not JSON", model("Error"))
    @ns.response(503, "The bus did not take the event", model("Error"))
    @require_api_key
    def post(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        payload = _json_body()
        try:
            event = load_event(payload)
        except ValidationError as exc:
            raise ApiError(400, "The request body is not a valid event.", exc.normalized_messages()) from None
        body = json.dumps({**payload, "eventId": event.event_id}).encode("utf-8")
        headers = {REQUEST_ID_HEADER: current_request_id() or ""}
        container().bus.publish(Delivery(event.event_type, body, headers))
        location = f"/api/v1/companies/{company_key(event.company_id)}"
        return {"eventId": event.event_id, "status": "accepted"}, 202, {"Location": location}
