"""Marshmallow schemas of the event contract (README: "The event contract"): what publishers may send."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from dataclasses import dataclass
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


log = logging.getLogger("main.schema")


@dataclass(frozen=True)
class Limit:
    """How much of a field is kept. Beyond it the value is cut (and the cut logged), never
    the event refused: a real feed that overfills a field (a list of product lines sent as
    one industry) must not cost the company. Abuse is stopped by the size of the whole body
    (MAX_BODY_BYTES, a 413 before anything is read), not by a field's length."""

    kept: int

    def cut(self, text: str) -> str:
        """`text` within `kept` characters, at a word's end when one is near."""
        if len(text) <= self.kept:
            return text
        head = text[: self.kept]
        space = head.rfind(" ")
        return (head[:space] if space > self.kept * 0.8 else head).rstrip()


NAME = Limit(300)
WEBSITE = Limit(2_000)
DESCRIPTION = Limit(10_000)
LOCATION_TEXT = Limit(1_000)
LOCATION_PART = Limit(200)
INDUSTRY = Limit(100)
INDUSTRIES = Limit(50)  # how many industries
EVENT_ID = Limit(200)  # a longer id is kept as its digest, never cut (ids must stay apart)
# What one over-long industry label lists, when it is a list
LABEL_SEPARATORS = re.compile(r"\s*[;,/|]\s*")


class LocationSchema(Schema):
    class Meta:
        unknown = RAISE

    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    country = fields.String(allow_none=True)


_location_schema = LocationSchema()


class LocationField(fields.Field):
    """A location is either `{city, state, country}` or one free-text string, as feeds send it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value is None or isinstance(value, str):
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
    return [i.strip() for i in items if i.strip()]


class WholeNumber(fields.Integer):
    """An integer as JSON Schema counts one (the contract's `integer`): 12, or 12.0 as a
    publisher's float may write it; never 12.5, "12" or true."""

    def _validated(self, value: Any) -> int:
        if type(value) is float and value.is_integer():
            value = int(value)
        return super()._validated(value)


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
            validate.Length(min=1),
            validate.Regexp(NOT_BLANK, error="Must contain more than whitespace."),
        ]
    )
    industry = IndustryField(allow_none=True, metadata={"description": "One industry, or a list of them"})
    location = LocationField(
        allow_none=True,
        metadata={"description": "Free text ('Santa Clara, California, U.S.') or {city, state, country}"},
    )
    website = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    founded = WholeNumber(allow_none=True, strict=True, validate=validate.Range(1000, 3000))
    employees = WholeNumber(allow_none=True, strict=True, validate=validate.Range(min=0))


class EventSchema(Schema):
    class Meta:
        unknown = RAISE

    eventId = fields.String(validate=validate.Length(min=1))
    eventType = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    occurredAt = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "When the change happened, with its UTC offset: orders one company's"
            " events. Refused when more than MAX_EVENT_SKEW_SECONDS (default 300) ahead of the"
            " receiving clock."
        },
    )
    data = fields.Nested(CompanyDataSchema, required=True)

    @validates_schema
    def _name_on_create(self, payload: dict, **_: Any) -> None:
        if payload.get("eventType") == CREATED and not payload.get("data", {}).get("name"):
            raise ValidationError({"data": {"name": ["Missing data for required field."]}})

    @post_load
    def _to_event(self, payload: dict, **_: Any) -> Event:
        return event_from(payload)


def event_from(payload: dict[str, Any]) -> Event:
    """The event of a payload whose fields are already validated and converted, fitted to the
    kept limits (both ways of loading an event end here, so both fit it alike)."""
    data = dict(payload["data"])
    if payload["eventType"] == DELETED:
        data = {"id": data["id"]}
    event_id = payload.get("eventId") or ""
    if len(event_id) > EVENT_ID.kept:
        event_id = "sha256:" + hashlib.sha256(event_id.encode("utf-8")).hexdigest()
    cut = _fit(data)
    if cut:
        log.warning(
            "company %s: %s cut to fit the kept limits (event %s)",
            data["id"],
            ", ".join(cut),
            event_id or "without an id",
            extra={"company_id": data["id"], "event_id": event_id, "cut_fields": cut},
        )
    return Event(
        event_id=event_id,
        event_type=payload["eventType"],
        company_id=data["id"],
        data=data,
        occurred_at=payload.get("occurredAt"),
    )


TEXT_LIMITS = {"name": NAME, "website": WEBSITE, "description": DESCRIPTION}


def _fit(data: dict[str, Any]) -> list[str]:
    """Cut `data`'s over-long values in place; the names of the fields that were cut."""
    cut = []
    for name, limit in TEXT_LIMITS.items():
        value = data.get(name)
        if isinstance(value, str) and len(value) > limit.kept:
            data[name] = limit.cut(value)
            cut.append(name)
    location = data.get("location")
    if isinstance(location, str) and len(location) > LOCATION_TEXT.kept:
        data["location"] = LOCATION_TEXT.cut(location)
        cut.append("location")
    elif isinstance(location, dict) and any(len(v or "") > LOCATION_PART.kept for v in location.values()):
        data["location"] = {k: v if v is None else LOCATION_PART.cut(v) for k, v in location.items()}
        cut.append("location")
    labels = data.get("industry")
    if labels and (len(labels) > INDUSTRIES.kept or any(len(i) > INDUSTRY.kept for i in labels)):
        data["industry"] = fit_industries(labels)
        cut.append("industry")
    return cut


def fit_industries(labels: list[str]) -> list[str]:
    """An over-long label that is a list ("Semiconductors; memory; displays ...") becomes its
    items; each label is cut to the kept length, and the first `INDUSTRIES.kept` are kept."""
    fitted: list[str] = []
    for label in labels:
        parts = LABEL_SEPARATORS.split(label) if len(label) > INDUSTRY.kept else [label]
        fitted.extend(INDUSTRY.cut(part) for part in parts if part.strip())
    return list(dict.fromkeys(fitted))[: INDUSTRIES.kept]


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
