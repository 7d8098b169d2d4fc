"""`POST /api/v1/events`: validate an event and hand it to the bus; 202 with its id."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask_restx import Namespace, Resource

from main.controller.http.auth import EITHER, require_writer
from main.controller.http.body import read_json_body
from main.controller.http.context import container
from main.controller.http.errors import ApiError
from main.controller.http.openapi import model
from main.schema.intake import accept, decode
from main.service.errors import InvalidEvent
from main.service.keys import company_key
from main.service.ports import Delivery
from main.util.request_id import HEADER as REQUEST_ID_HEADER
from main.util.request_id import current_request_id

ns = Namespace("events", description="Publish company events")

# What a path segment may hold as it is (RFC 3986 pchar): ids keep their look, `%` and `/` are escaped.
PATH_SAFE = ":@!$'()*+,;="


@ns.route("")
class Events(Resource):
    @ns.doc(security=EITHER)
    @ns.expect(model("Event"))
    @ns.response(202, "Accepted: the event will be applied shortly", model("EventAccepted"))
    @ns.response(400, "Malformed JSON, an invalid event or a bad Content-Length", model("Error"))
    @ns.response(401, "No credential, a wrong API key or an invalid token", model("Error"))
    @ns.response(403, "A valid token without the scope companies:write", model("Error"))
    @ns.response(411, "No Content-Length (chunked bodies are not accepted)", model("Error"))
    @ns.response(413, "Body over the size limit", model("Error"))
    @ns.response(415, "Body is not JSON", model("Error"))
    @ns.response(503, "The bus did not take the event", model("Error"))
    @require_writer
    def post(self) -> tuple[dict[str, Any], int, dict[str, str]]:
        try:
            payload = decode(read_json_body())
        except InvalidEvent as exc:
            raise ApiError(400, "The body is not valid JSON.", exc.errors) from None
        try:
            accepted = accept(payload, container().skew)
        except InvalidEvent as exc:
            raise ApiError(400, "The request body is not a valid event.", exc.errors) from None
        event = accepted.event
        headers = {REQUEST_ID_HEADER: current_request_id() or ""}
        container().bus.publish(Delivery(event.event_type, accepted.body, headers))
        location = f"/api/v1/companies/{quote(company_key(event.company_id), safe=PATH_SAFE)}"
        return {"eventId": event.event_id, "status": "accepted"}, 202, {"Location": location}
