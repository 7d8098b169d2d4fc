"""Marshmallow schemas of the event contract (ARCHITECTURE.md): what publishers may send."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from marshmallow import (
    INCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from main.service.keys import COMPANY_ID_PATTERN
from main.service.model import CREATED, DELETED, EVENT_TYPES, Event


class LocationSchema(Schema):
    class Meta:
        unknown = RAISE

    city = fields.String(allow_none=True, validate=validate.Length(max=200))
    state = fields.String(allow_none=True, validate=validate.Length(max=200))
    country = fields.String(allow_none=True, validate=validate.Length(max=200))


_location_schema = LocationSchema()


class LocationField(fields.Field):
    """A location is either `{city, state, country}` or one free-text string, as feeds send it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value is None or isinstance(value, str):
            if isinstance(value, str) and len(value) > 500:
                raise ValidationError("Longer than maximum length 500.")
            return value
        if isinstance(value, dict):
            return _location_schema.load(value)
        raise ValidationError("Must be a string or an object with city, state and country.")


class IndustryField(fields.Field):
    """An industry is one string or a list of strings; either way a list comes out."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ValidationError("Must be a string or a list of strings.")
        if len(items) > 20 or any(len(i) > 100 for i in items):
            raise ValidationError("At most 20 industries of at most 100 characters each.")
        return [i.strip() for i in items if i.strip()]


class CompanyDataSchema(Schema):
    """Unknown fields are kept: they become properties of the company node."""

    class Meta:
        unknown = INCLUDE

    id = fields.String(
        required=True,
        validate=validate.Regexp(
            COMPANY_ID_PATTERN, error="Must be 1-200 letters, digits or _-:.@()+,=;$!*'%."
        ),
    )
    name = fields.String(validate=validate.Length(min=1, max=300))
    industry = IndustryField(allow_none=True, metadata={"description": "One industry, or a list of them"})
    location = LocationField(
        allow_none=True,
        metadata={"description": "Free text ('Santa Clara, California, U.S.') or {city, state, country}"},
    )
    website = fields.String(allow_none=True, validate=validate.Length(max=500))
    description = fields.String(allow_none=True, validate=validate.Length(max=10_000))
    founded = fields.Integer(allow_none=True, strict=True, validate=validate.Range(1000, 3000))
    employees = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))


class EventSchema(Schema):
    class Meta:
        unknown = RAISE

    eventId = fields.String(validate=validate.Length(min=1, max=200))
    eventType = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    occurredAt = fields.AwareDateTime(allow_none=True)
    data = fields.Nested(CompanyDataSchema, required=True)

    @validates_schema
    def _name_on_create(self, payload: dict, **_: Any) -> None:
        if payload.get("eventType") == CREATED and not payload.get("data", {}).get("name"):
            raise ValidationError({"data": {"name": ["Missing data for required field."]}})

    @post_load
    def _to_event(self, payload: dict, **_: Any) -> Event:
        data = dict(payload["data"])
        if payload["eventType"] == DELETED:
            data = {"id": data["id"]}
        return Event(
            event_id=payload.get("eventId") or "",
            event_type=payload["eventType"],
            company_id=data["id"],
            data=data,
            occurred_at=payload.get("occurredAt"),
        )


_schema = EventSchema()


def derive_event_id(body: Any) -> str:
    """A stable id for an event sent without one: the same body always gives the same id."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def load_event(body: Any) -> Event:
    """Validate a decoded JSON body and return the event, with an id derived if none was sent.

    Raises marshmallow's `ValidationError` with the offending fields.
    """
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["The event must be a JSON object."]})
    event: Event = _schema.load(body)
    if not event.event_id:
        event = Event(
            event_id=derive_event_id(body),
            event_type=event.event_type,
            company_id=event.company_id,
            data=event.data,
            occurred_at=event.occurred_at,
        )
    return event
