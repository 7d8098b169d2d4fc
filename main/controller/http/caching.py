"""HTTP caching: ETags and 304s on the hot lookup, Cache-Control on every cacheable read.

A read is cacheable for `CACHE_TTL_SECONDS`, the service's one freshness bound, by
any tier in front of the app too, so a change is never served stale for longer by
anyone: clients read `Cache-Control: max-age`, nginx's micro-cache `X-Accel-Expires`
(one second less: nginx's clock has whole seconds; at the default bound of 1 s the
micro-cache keeps nothing, so raise the bound to use it). Only successful anonymous reads
are marked: errors, writes, probes and requests carrying an API key are not.
"""

from __future__ import annotations

from flask import Flask, request
from flask.wrappers import Response

from main.controller.http.auth import HEADER as API_KEY_HEADER
from main.service.lookup import Rendered

UNCACHED_PATHS = ("/health", "/ready", "/metrics")


def rendered_response(rendered: Rendered) -> Response:
    """The encoded company, or a 304 when the client already holds these bytes (gzip makes
    nginx weaken the ETag, so a weak match counts)."""
    if request.if_none_match.contains_weak(rendered.etag):
        response = Response(status=304)
    else:
        response = Response(rendered.body, mimetype="application/json")
    response.set_etag(rendered.etag)
    return response


def cache_headers(ttl_seconds: float) -> dict[str, str]:
    """What marks a cacheable read: for clients, and for nginx's micro-cache."""
    seconds = int(ttl_seconds)
    return {
        "Cache-Control": f"public, max-age={seconds}" if seconds else "no-store",
        # nginx counts whole seconds and serves an entry until the end of the second it
        # expires in: it may keep an answer one second less than the bound (0: not at all)
        "X-Accel-Expires": str(max(0, seconds - 1)),
    }


def register_cache_headers(app: Flask, ttl_seconds: float) -> None:
    marks = cache_headers(ttl_seconds)
    api_key = "HTTP_" + API_KEY_HEADER.upper().replace("-", "_")

    @app.after_request
    def _cache_control(response: Response) -> Response:
        environ = request.environ
        if (
            environ["REQUEST_METHOD"] in ("GET", "HEAD")
            and response.status_code in (200, 304)
            and api_key not in environ
            and not environ.get("PATH_INFO", "").startswith(UNCACHED_PATHS)
            and "Cache-Control" not in response.headers
        ):
            response.headers.update(marks)
        return response
