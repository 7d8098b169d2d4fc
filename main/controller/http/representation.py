"""JSON answers of flask-restx encoded as every other answer of the API (responses.encode)."""

from __future__ import annotations

from typing import Any

from flask import make_response
from flask.wrappers import Response

from main.schema.responses import encode


def output_json(data: Any, code: int, headers: dict[str, str] | None = None) -> Response:
    """flask-restx's representation of `application/json`, its signature kept."""
    response = make_response(encode(data), code)
    response.headers.extend(headers or {})
    response.mimetype = "application/json"
    return response
