"""Refuse requests no route should see, before Flask builds anything from them.

uWSGI passes on what it could parse: an environ without a method (a garbage
request line on an `http-socket`), a URL or headers of up to its 64 KB buffer.
Flask would raise on the first and spend work on the rest, so they are answered
here with the API's error body: 400, 414 (URL over 8 KiB) and 431 (over 100
headers, a header over 8 KiB or 32 KiB of them), the limits browsers and nginx's
defaults stay within.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from main.controller.http.errors import http_error_body

MAX_URL = 8192
MAX_HEADERS = 100
MAX_HEADER = 8192
MAX_HEADERS_TOTAL = 32768

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
REASONS = {400: "Bad Request", 414: "URI Too Long", 431: "Request Header Fields Too Large"}


class RequestGuard:
    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        refusal = refuse(environ)
        if refusal is None:
            return self.app(environ, start_response)
        code, message = refusal
        body = json.dumps(http_error_body(code, message)).encode()
        start_response(
            f"{code} {REASONS[code]}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
            ],
        )
        return [body]


def refuse(environ: dict[str, Any]) -> tuple[int, str] | None:
    """(status, message) for a request to refuse, or None to let it through."""
    if not environ.get("REQUEST_METHOD"):
        return 400, "The request line is not HTTP."
    if len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", "")) > MAX_URL:
        return 414, f"The URL is longer than {MAX_URL} bytes."
    headers = [value for key, value in environ.items() if key.startswith("HTTP_")]
    if len(headers) > MAX_HEADERS:
        return 431, f"More than {MAX_HEADERS} headers."
    sizes = [len(value) for value in headers if isinstance(value, str)]
    if max(sizes, default=0) > MAX_HEADER or sum(sizes) > MAX_HEADERS_TOTAL:
        return 431, f"A header over {MAX_HEADER} bytes, or {MAX_HEADERS_TOTAL} bytes of headers."
    return None
