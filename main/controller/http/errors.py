"""One error body for the whole API: `{code, message, errors}`; no stack trace reaches a client.

`errors` is always there: the offending fields (a query parameter, a header, a field
of the body) with what is wrong with each, or empty when no field is at fault.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from flask_restx import Api
from werkzeug.exceptions import HTTPException

from main.service.errors import NotFound, Unavailable

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request the API refuses, with the status code and the offending fields."""

    def __init__(
        self,
        code: int,
        message: str,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}


def error_body(code: int, message: str, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "errors": errors or {}}


def _api_error(exc: ApiError) -> tuple[dict, int, dict[str, str]]:
    """The request was refused; `errors` names the offending fields."""
    return error_body(exc.code, exc.message, exc.errors), exc.code, exc.headers


def _not_found(exc: NotFound) -> tuple[dict, int]:
    """No such company or place."""
    return error_body(404, str(exc), {exc.what: [f"No {exc.what} has the key {exc.key!r}."]}), 404


def _unavailable(exc: Unavailable) -> tuple[dict, int, dict[str, str]]:
    """A dependency is down or busy; retry later (as nginx says when uWSGI is)."""
    log.warning("dependency unavailable: %s", exc)
    return error_body(503, "A dependency is unavailable; try again shortly."), 503, RETRY_LATER


RETRY_LATER = {"Retry-After": "5"}

# What an HTTP-level error is about, named like the offending fields of other errors.
HTTP_ERROR_FIELDS = {
    404: ("path", "No such resource."),
    405: ("method", "Not allowed here."),
    413: ("body", "Over the size limit."),
    414: ("path", "Too long."),
    431: ("headers", "Too large."),
}


def http_error_body(code: int, message: str) -> dict[str, Any]:
    field, problem = HTTP_ERROR_FIELDS.get(code, (None, None))
    return error_body(code, message, {field: [problem]} if field else None)


def _http_error(exc: HTTPException) -> tuple[dict, int, dict[str, str]]:
    """An HTTP-level error (unknown path, wrong method, body too large); a 405 lists what is allowed."""
    code = exc.code or 500
    message = exc.description or exc.name
    headers: dict[str, str] = {}
    valid_methods = getattr(exc, "valid_methods", None)
    if code == 405 and valid_methods:
        headers["Allow"] = ", ".join(sorted(valid_methods))
        message = f"{message} Allowed: {headers['Allow']}."
    return http_error_body(code, message), code, headers


def _unexpected(exc: Exception) -> tuple[dict, int]:
    """An unexpected error; logged with its trace, which never reaches the client."""
    log.exception("unhandled error")
    return error_body(500, "Internal server error."), 500


HANDLERS = (
    (ApiError, _api_error),
    (NotFound, _not_found),
    (Unavailable, _unavailable),
    (HTTPException, _http_error),
    (Exception, _unexpected),
)


def register_error_handlers(app: Flask, api: Api) -> None:
    for exc_type, handler in HANDLERS:
        api.errorhandler(exc_type)(handler)
        app.register_error_handler(exc_type, handler)
