"""Read a request's JSON body only once its headers say it is one we will take.

The headers are checked before a byte of the body is read, so a client sending
200 MB to a 1 MB limit is told 413 at once instead of being read to the end, and
a body whose length is not declared (chunked, or a `Content-Length` that is not a
number) is refused with the header named instead of being parsed as empty JSON.

A refused body of moderate size is still read and thrown away after the answer
has gone out (nginx's "lingering close"): clients such as Python's requests send
the whole body before they read, and a server that closes on unread data resets
the connection, so they would see "connection aborted" instead of the 413.
"""

from __future__ import annotations

from typing import IO

from flask import after_this_request, current_app, request
from flask.wrappers import Response

from main.controller.http.errors import ApiError

LENGTH = "Content-Length"
# Up to this much of a refused body is drained after the 413; beyond it the connection is cut.
DRAIN_LIMIT = 16 * 1024 * 1024


def read_json_body() -> bytes:
    """The raw body of a JSON request, within the size limit; `ApiError` naming the header otherwise."""
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        raise ApiError(411, "A Content-Length is required.", {LENGTH: ["Chunked bodies are not accepted."]})
    declared = request.headers.get(LENGTH)
    if declared is None:
        raise ApiError(411, "A Content-Length is required.", {LENGTH: ["Missing header."]})
    if not declared.isascii() or not declared.isdigit():
        raise ApiError(
            400, "The Content-Length header is not valid.", {LENGTH: ["Not a non-negative integer."]}
        )
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if int(declared) > limit:
        if int(declared) <= DRAIN_LIMIT:
            _drain_after_answering(request.environ["wsgi.input"], int(declared))
        raise ApiError(413, "The body is too large.", {LENGTH: [f"At most {limit} bytes."]})
    if request.mimetype != "application/json":
        raise ApiError(
            415,
            "The body must be JSON.",
            {"Content-Type": [f"Expected application/json, got {request.mimetype or 'none'!r}."]},
        )
    return request.get_data(cache=False)


def _drain_after_answering(stream: IO[bytes], length: int) -> None:
    @after_this_request
    def _linger(response: Response) -> Response:
        response.call_on_close(lambda: _discard(stream, length))
        return response


def _discard(stream: IO[bytes], length: int) -> None:
    while length > 0:
        chunk = stream.read(min(length, 65536))
        if not chunk:
            return
        length -= len(chunk)
