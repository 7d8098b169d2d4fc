"""One log line per request, with the request id the app used, where no proxy writes one.

Behind nginx, nginx's access log has every request with its id and upstream time, and
the app logs none. Served by uWSGI alone (`make run`), uWSGI's own request line cannot
know the app's request id, so a client's `X-Request-Id` could not be found in the log:
there the app writes the line itself, through the one log format (JSON by default).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("main.access")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class AccessLog:
    """Inside RequestIds, so the line carries the id the request was given."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        answered: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            answered["status"] = int(status.split(" ", 1)[0])
            answered["bytes"] = next((v for k, v in headers if k.lower() == "content-length"), "-")
            return start_response(status, headers, *exc_info)

        try:
            return self.app(environ, start)
        finally:
            self._log(environ, answered, (time.perf_counter() - started) * 1000)

    @staticmethod
    def _log(environ: dict[str, Any], answered: dict[str, Any], duration_ms: float) -> None:
        query = environ.get("QUERY_STRING")
        path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        status = answered.get("status", 500)
        log.info(
            "%s %s %s %s bytes %.2f ms",
            environ.get("REQUEST_METHOD"),
            path,
            status,
            answered.get("bytes", "-"),
            duration_ms,
            extra={
                "method": environ.get("REQUEST_METHOD"),
                "path": path,
                "status": status,
                "duration_ms": round(duration_ms, 2),
                "client": environ.get("REMOTE_ADDR"),
            },
        )
