"""Turn an event and its resolved place into the field writes of one GraphChange."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from main.service import keys
from main.service.model import CREATED, DELETED, Edge, Event, FieldWrite, GraphChange, Node, Place, Version


def version_text(moment: datetime) -> str:
    """UTC with microseconds and a four-digit year, so versions compare correctly as plain strings.

    (strftime's %Y writes the year 999 as '999', which sorted after every modern date.)
    """
    return moment.astimezone(UTC).isoformat(timespec="microseconds").removesuffix("+00:00") + "Z"


def build_change(event: Event, place: Place | None, now: datetime | None = None) -> GraphChange:
    """An event without occurredAt is versioned by the time it is applied (arrival order)."""
    company_key = keys.company_key(event.company_id)
    version = Version(version_text(event.occurred_at or now or datetime.now(UTC)), event.event_id)
    if event.event_type == DELETED:
        return GraphChange(event.event_id, company_key, version, fields=None)
    data = dict(event.data)
    if event.event_type == CREATED:
        data.setdefault("location", None)
        data.setdefault("industry", [])
    fields: dict[str, FieldWrite] = {}
    for name, value in data.items():
        if name == "id":
            continue
        if name == "location":
            fields[name] = location_write(company_key, value, place or Place())
        elif name == "industry":
            fields[name] = _industries(company_key, value or [])
        else:
            fields[name] = FieldWrite({name: value})
    return GraphChange(event.event_id, company_key, version, fields)


def location_write(company_key: str, location: Any, place: Place) -> FieldWrite:
    nodes = _place_nodes(place)
    return FieldWrite(
        {"location": location, "place": _place_summary(place)},
        _edges(company_key, keys.LOCATE, nodes),
        nodes,
        keys.LOCATE,
    )


def _industries(company_key: str, names: list[str]) -> FieldWrite:
    nodes: dict[str, Node] = {}
    for name in names:
        node = _industry_node(name)
        if node is not None:
            nodes.setdefault(node.key, node)
    return FieldWrite(
        {"industries": [dict(n.props) for n in nodes.values()]},
        _edges(company_key, keys.INDUSTRY_EDGE, nodes.values()),
        tuple(nodes.values()),
        keys.INDUSTRY_EDGE,
    )


def _edges(company_key: str, kind: str, targets: Iterable[Node]) -> tuple[Edge, ...]:
    company_id = keys.node_id(keys.COMPANY, company_key)
    return tuple(Edge(keys.edge_key(company_key, kind, t.key), kind, company_id, t.id) for t in targets)


# Place and industry nodes are shared by every event that names them, so they are built
# once; nothing mutates a Node's props after it is made.
@functools.lru_cache(maxsize=16_384)
def _industry_node(name: str) -> Node | None:
    key = keys.industry_key(name)
    return Node(keys.INDUSTRY, key, {"key": key, "name": name}) if key else None


@functools.lru_cache(maxsize=16_384)
def _place_nodes(place: Place) -> tuple[Node, ...]:
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
    return tuple(nodes)


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
