"""API keys sent as `X-API-Key`, compared in constant time."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any

from flask import current_app, request

from main.controller.http.errors import ApiError

HEADER = "X-API-Key"


def require_api_key(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        sent = request.headers.get(HEADER, "")
        keys = current_app.extensions["company_graph"].settings.api_keys
        if not sent:
            raise ApiError(401, "An API key is required.", {HEADER: ["Missing header."]})
        if not any(hmac.compare_digest(sent.encode(), key.encode()) for key in keys):
            raise ApiError(401, "The API key is not valid.", {HEADER: ["Unknown key."]})
        return view(*args, **kwargs)

    return wrapper
