"""Load events through the compiled contract first, and through marshmallow when it says no.

marshmallow is the reference and the only one that explains a refusal, but at
~40 us an event it was the largest share of the worker's own work per message.
The JSON Schema generated from it (the contract published at /api/v1/schemas),
compiled to plain Python by fastjsonschema, checks the same rules in ~10 us. An
event it accepts is built by the same functions marshmallow's hooks call; anything
it refuses, and the few values the two read differently (a float in an integer
field, a date-time marshmallow would not parse), go to marshmallow, which accepts
them or says why not. test/schema/test_loading.py holds both paths to the same
answer over generated events.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import fastjsonschema
from marshmallow import ValidationError

from main.schema.contract import json_schema
from main.schema.events import (
    INTEGER_FIELDS,
    OCCURRED_AT,
    event_from,
    industries,
    load_with_marshmallow,
    with_event_id,
)
from main.service.model import Event


@cache
def _contract() -> Any:
    return fastjsonschema.compile(json_schema())


def load_event(body: Any) -> Event:
    """Validate a decoded JSON body and return the event, with an id derived if none was sent.

    Raises marshmallow's `ValidationError` with the offending fields.
    """
    event = load_accepted(body)
    return event if event is not None else load_with_marshmallow(body)


def load_accepted(body: Any) -> Event | None:
    """The event if the compiled contract accepts `body` as it is; None leaves it to marshmallow."""
    try:
        _contract()(body)
    except fastjsonschema.JsonSchemaValueException:
        return None
    data = body["data"]
    if any(type(data.get(name)) is float for name in INTEGER_FIELDS):
        return None
    occurred_at = body.get("occurredAt")
    try:
        if occurred_at is not None:
            occurred_at = OCCURRED_AT.deserialize(occurred_at)
    except ValidationError:
        return None
    if data.get("industry") is not None:
        data = {**data, "industry": industries(data["industry"])}
    return with_event_id(event_from({**body, "data": data, "occurredAt": occurred_at}), body)
