"""Small helpers so tests read like a user's steps: wait for a condition, build an event."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def wait_until(probe: Callable[[], T], timeout: float = 5.0, interval: float = 0.01) -> T:
    """Return the first truthy result of `probe`, or fail once `timeout` has passed (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last result: {result!r})")
        time.sleep(interval)


def company_event(
    event_type: str = "company-created",
    company_id: str | None = None,
    occurred_at: str | None = None,
    event_id: str | None = None,
    **data: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "eventType": event_type,
        "data": {"id": company_id or str(uuid.uuid4()).upper(), **data},
    }
    if event_type == "company-created":
        body["data"].setdefault("name", "Acme Ltd")
    if occurred_at:
        body["occurredAt"] = occurred_at
    if event_id:
        body["eventId"] = event_id
    return body
