"""A company as clients read it: the JSON every read that shows a company writes.

A use case's rule, not an HTTP detail: the store keeps each company so written, once per
change, and a list of companies copies those bytes instead of marshalling each company on
every request (main/schema/responses.py's `Company` schema documents the shape, and
test_company_view holds the two to the same output for any document the store can hold).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

KNOWN_COMPANY_FIELDS = frozenset(
    {
        "id",
        "name",
        "industries",
        "place",
        "location",
        "website",
        "description",
        "founded",
        "employees",
        "updatedAt",
    }
)


def company_view(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What `Company().dump(doc)` writes, written out field by field.

    The schema stays the contract (the OpenAPI spec is made from it); dumping through it
    walked every field of every company, most of a page's cost (1.7 ms of a search's 2 ms
    under the profiler, at a million companies). test_company_view holds this to the same
    output as the schema for any document the store can hold.
    """
    out: dict[str, Any] = {}
    for name in ("id", "name"):
        if name in doc:
            out[name] = text_or_none(doc[name])
    if "industries" in doc:
        industries = doc["industries"]
        out["industries"] = None if industries is None else [ref_view(ref) for ref in industries]
    if "place" in doc:
        out["place"] = place_view(doc["place"])
    if "location" in doc:
        out["location"] = doc["location"]
    for name in ("website", "description"):
        if name in doc:
            out[name] = text_or_none(doc[name])
    for name in ("founded", "employees"):
        if name in doc:
            out[name] = None if doc[name] is None else int(doc[name])
    if "updatedAt" in doc:
        out["updatedAt"] = text_or_none(doc["updatedAt"])
    out["properties"] = (
        {}
        if KNOWN_COMPANY_FIELDS.issuperset(doc)
        else {k: v for k, v in doc.items() if k not in KNOWN_COMPANY_FIELDS}
    )
    return out


def number_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def ref_view(ref: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    # spelled out: a comprehension here was a fifth of a page of companies
    out: dict[str, Any] = {}
    if "key" in ref:
        out["key"] = text_or_none(ref["key"])
    if "name" in ref:
        out["name"] = text_or_none(ref["name"])
    return out


def city_view(ref: Mapping[str, Any] | None) -> dict[str, Any] | None:
    out = ref_view(ref)
    if ref is not None and out is not None:
        for name in ("latitude", "longitude"):
            if name in ref:
                out[name] = number_or_none(ref[name])
    return out


def place_view(place: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if place is None:
        return None
    out: dict[str, Any] = {}
    for name in ("country", "state"):
        if name in place:
            out[name] = ref_view(place[name])
    if "city" in place:
        out["city"] = city_view(place["city"])
    if "raw" in place:
        out["raw"] = text_or_none(place["raw"])
    return out


def company_json(doc: Mapping[str, Any]) -> bytes:
    """The company as every read writes it, with no newline after it, so that a list can hold
    the bytes as they are (`orjson.Fragment`)."""
    return orjson.dumps(company_view(doc), option=orjson.OPT_NON_STR_KEYS)


def encode_company(doc: Mapping[str, Any]) -> bytes:
    """A company as `GET /api/v1/companies/{id}` writes it: once per change, then cached as bytes."""
    return company_json(doc) + b"\n"
