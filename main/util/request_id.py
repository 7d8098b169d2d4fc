"""Request ids carried by a context variable, so they follow a request into threads we start."""

from __future__ import annotations

import contextvars
import re
import uuid

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

HEADER = "X-Request-Id"
# What a client's id may hold to be echoed in a header and written in a log line as it is:
# the characters of UUIDs, ULIDs, trace ids and the like, nothing that could end a line or a field.
_SAFE = re.compile(r"[A-Za-z0-9._:@+/=-]{1,128}")


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str | None) -> contextvars.Token:
    return _request_id.set(value or new_request_id())


def reset_request_id(token: contextvars.Token) -> None:
    _request_id.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def safe_request_id(sent: str | None) -> str | None:
    """`sent` if it is safe to echo as it is, else None (the caller makes a new one and says so)."""
    return sent if sent and _SAFE.fullmatch(sent) else None
