"""Marshmallow schemas of the event contract (README: "The event contract"): what publishers may send."""

from __future__ import annotations

import dataclasses
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

# Whitespace as Python reads it (str.isspace), spelled out: `\s` differs between the regex
# engines that read the spec (ECMA's and Rust's leave out \x1c-\x1f, so a name of one such
# character passed the spec and was refused here).
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"^[{WHITESPACE}]*[^{WHITESPACE}]"


class LocationSchema(Schema):
    class Meta:
        unknown = RAISE

    city = fields.String(allow_none=True, validate=validate.Length(max=200))
    state = fields.String(allow_none=True, validate=validate.Length(max=200))
    country = fields.String(allow_none=True, validate=validate.Length(max=200))


_location_schema = LocationSchema()


MAX_LOCATION_TEXT = 500
MAX_INDUSTRIES = 20
MAX_INDUSTRY_LENGTH = 100


class LocationField(fields.Field):
    """A location is either `{city, state, country}` or one free-text string, as feeds send it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value is None or isinstance(value, str):
            if isinstance(value, str) and len(value) > MAX_LOCATION_TEXT:
                raise ValidationError(f"Longer than maximum length {MAX_LOCATION_TEXT}.")
            return value
        if isinstance(value, dict):
            return _location_schema.load(value)
        raise ValidationError("Must be a string or an object with city, state and country.")


class IndustryField(fields.Field):
    """An industry is one string or a list of strings; either way a list comes out."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        return industries(value)


def industries(value: Any) -> list[str]:
    """The industry names of one string or a list of strings, blanks dropped."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValidationError("Must be a string or a list of strings.")
    if len(items) > MAX_INDUSTRIES or any(len(i) > MAX_INDUSTRY_LENGTH for i in items):
        raise ValidationError(
            f"At most {MAX_INDUSTRIES} industries of at most {MAX_INDUSTRY_LENGTH} characters each."
        )
    return [i.strip() for i in items if i.strip()]


class CompanyDataSchema(Schema):
    """Unknown fields are kept: they become properties of the company node."""

    class Meta:
        unknown = INCLUDE

    id = fields.String(
        required=True,
        validate=validate.Regexp(
            COMPANY_ID_PATTERN, error="Must be 1-200 letters, digits or _-:.@()+,=;$!*'%, and not . or ..."
        ),
    )
    name = fields.String(
        validate=[
            validate.Length(min=1, max=300),
            validate.Regexp(NOT_BLANK, error="Must contain more than whitespace."),
        ]
    )
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
        return event_from(payload)


def event_from(payload: dict[str, Any]) -> Event:
    """The event of a payload whose fields are already validated and converted."""
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
OCCURRED_AT: fields.Field = _schema.fields["occurredAt"]
INTEGER_FIELDS = tuple(
    name for name, field in CompanyDataSchema().fields.items() if isinstance(field, fields.Integer)
)


def derive_event_id(body: Any) -> str:
    """A stable id for an event sent without one: the same body always gives the same id."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def load_with_marshmallow(body: Any) -> Event:
    """Validate a decoded JSON body and return the event, with an id derived if none was sent.

    The reference for what the contract accepts. Raises marshmallow's
    `ValidationError` with the offending fields.
    """
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["The event must be a JSON object."]})
    return with_event_id(_schema.load(body), body)


def with_event_id(event: Event, body: Any) -> Event:
    """An event sent without an id gets one derived from its body, so a replay is recognised."""
    if event.event_id:
        return event
    return dataclasses.replace(event, event_id=derive_event_id(body))
