"""Hooks for the schemathesis run of test_behind_nginx (SCHEMATHESIS_HOOKS names this module)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

import schemathesis

from main.schema import contract


@schemathesis.hook
def before_load_schema(_ctx: Any, raw_schema: dict[str, Any]) -> None:
    """What Swagger 2.0 cannot say, from the JSON Schema contract that says it exactly
    (/api/v1/schemas/company-event.json): a location is text or an object, an industry a name
    or a list of names (2.0 has no "one of these types"; the spec documents the string and
    says the rest in words), and a created company has a name (2.0 has no if/then). The
    OpenAPI 3.1 document says all of it itself."""
    if "definitions" not in raw_schema:
        return
    exact = contract.json_schema()
    fields = raw_schema["definitions"]["CompanyData"]["properties"]
    for name in ("location", "industry"):
        fields[name] = exact["$defs"]["CompanyData"]["properties"][name]
    # and a created company must have a name: the contract's if/then (Swagger 2.0 says it in
    # the operation's description only)
    event = raw_schema["definitions"]["Event"]
    event["if"], event["then"] = exact["if"], exact["then"]


@schemathesis.hook
def map_body(_ctx: Any, body: Any) -> Any:
    """No events dated beyond the clock's bound (MAX_EVENT_SKEW_SECONDS): a time relative to the
    receiving clock is no bound JSON Schema can state; the spec says it in words, and the
    refusal is tested at every door (test_one_intake, test_clock_skew)."""
    if isinstance(body, dict) and isinstance(body.get("occurredAt"), str):
        with contextlib.suppress(ValueError, TypeError):
            if datetime.fromisoformat(body["occurredAt"].replace("Z", "+00:00")) > datetime.now(UTC):
                body["occurredAt"] = datetime.now(UTC).isoformat()
    return body
