"""Turn an event and its resolved place into the field writes of one GraphChange."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from main.service import keys
from main.service.model import (
    CREATED,
    DELETED,
    UNRESOLVED,
    Edge,
    Event,
    FieldWrite,
    GraphChange,
    Node,
    Place,
    Version,
)


def version_text(moment: datetime) -> str:
    """UTC with microseconds and a four-digit year, so versions compare correctly as plain strings.

    (strftime's %Y writes the year 999 as '999', which sorted after every modern date.)
    """
    return moment.astimezone(UTC).isoformat(timespec="microseconds").removesuffix("+00:00") + "Z"


def build_change(event: Event, place: Place | None, now: datetime | None = None) -> GraphChange:
    """An event without occurredAt is versioned by the time it is applied (arrival order)."""
    company_key = keys.company_key(event.company_id)
    version = Version(version_text(event.occurred_at or now or datetime.now(UTC)), event.event_id)
    dated = event.occurred_at is not None
    if event.event_type == DELETED:
        return GraphChange(event.event_id, company_key, version, fields=None, dated=dated)
    fields: dict[str, FieldWrite] = {}
    for name, value in event.data.items():
        if name == "location":
            fields[name] = location_write(company_key, value, place or UNRESOLVED)
        elif name == "industry":
            fields[name] = _industries(company_key, tuple(value or ()))
        elif name != "id":
            fields[name] = FieldWrite({name: value})
    if event.event_type == CREATED:  # a create sets every field, if only to nothing
        if "location" not in fields:
            fields["location"] = location_write(company_key, None, place or UNRESOLVED)
        if "industry" not in fields:
            fields["industry"] = _industries(company_key, ())
    return GraphChange(event.event_id, company_key, version, fields, dated)


def location_write(company_key: str, location: Any, place: Place) -> FieldWrite:
    nodes, summary = _place_parts(place)
    return FieldWrite(
        {"location": location, "place": summary},
        _edges(company_key, keys.LOCATE, nodes),
        nodes,
        keys.LOCATE,
    )


def _industries(company_key: str, names: tuple[str, ...]) -> FieldWrite:
    nodes, summary = _industry_parts(names)
    return FieldWrite(
        {"industries": summary},
        _edges(company_key, keys.INDUSTRY_EDGE, nodes),
        nodes,
        keys.INDUSTRY_EDGE,
    )


def _edges(company_key: str, kind: str, targets: Iterable[Node]) -> tuple[Edge, ...]:
    company_id = keys.node_id(keys.COMPANY, company_key)
    return tuple(Edge(keys.edge_key(company_key, kind, t.key), kind, company_id, t.id) for t in targets)


# Place and industry nodes, and the summaries a company document keeps of them, are
# shared by every event that names them, so they are built once; nothing mutates a
# Node's props or a summary after it is made (documents are copied, then replaced).
@functools.lru_cache(maxsize=16_384)
def _industry_parts(names: tuple[str, ...]) -> tuple[tuple[Node, ...], list[dict[str, Any]]]:
    nodes: dict[str, Node] = {}
    for name in names:
        key = keys.industry_key(name)
        if key:
            nodes.setdefault(key, Node(keys.INDUSTRY, key, {"key": key, "name": name}))
    return tuple(nodes.values()), [dict(n.props) for n in nodes.values()]


@functools.lru_cache(maxsize=16_384)
def _place_parts(place: Place) -> tuple[tuple[Node, ...], dict[str, Any]]:
    nodes = []
    if place.country_code:
        nodes.append(
            Node(keys.COUNTRY, place.country_code, {"key": place.country_code, "name": place.country_name})
        )
    if place.state_code:
        nodes.append(
            Node(
                keys.STATE,
                place.state_code,
                {"key": place.state_code, "name": place.state_name, "country": place.country_code},
            )
        )
    if place.city_key:
        nodes.append(
            Node(
                keys.CITY,
                place.city_key,
                {
                    "key": place.city_key,
                    "name": place.city_name,
                    "country": place.country_code,
                    "state": place.state_code,
                    "latitude": place.latitude,
                    "longitude": place.longitude,
                },
            )
        )
    return tuple(nodes), _place_summary(place)


def _place_summary(place: Place) -> dict[str, Any]:
    return {
        "country": {"key": place.country_code, "name": place.country_name} if place.country_code else None,
        "state": {"key": place.state_code, "name": place.state_name} if place.state_code else None,
        "city": {
            "key": place.city_key,
            "name": place.city_name,
            "latitude": place.latitude,
            "longitude": place.longitude,
        }
        if place.city_key
        else None,
        "raw": place.raw,
    }
