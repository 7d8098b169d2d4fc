"""Turn an event and its resolved place into the nodes and edges of one GraphChange."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from main.service import keys
from main.service.model import CREATED, DELETED, Edge, Event, GraphChange, Node, Place, Version


def occurred_at_text(event: Event) -> str | None:
    """UTC with microseconds, so versions compare correctly as plain strings."""
    if event.occurred_at is None:
        return None
    return event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_change(event: Event, place: Place | None) -> GraphChange:
    company_key = keys.company_key(event.company_id)
    version = Version(occurred_at_text(event), event.event_id)
    if event.event_type == DELETED:
        return GraphChange(event.event_id, company_key, version, company=None)

    data = event.data
    props: dict[str, Any] = {k: v for k, v in data.items() if k not in ("id", "industry")}
    props["id"] = company_key
    if version.occurred_at:
        props["updatedAt"] = version.occurred_at
    nodes: list[Node] = []
    edges: list[Edge] = []
    rewire: list[str] = []
    full = event.event_type == CREATED

    if full or "location" in data:
        rewire.append(keys.LOCATE)
        place_nodes = _place_nodes(place or Place())
        props["place"] = _place_summary(place or Place())
        nodes.extend(place_nodes)
        edges.extend(_edge(company_key, keys.LOCATE, n) for n in place_nodes)
    if full or "industry" in data:
        rewire.append(keys.INDUSTRY_EDGE)
        industries = [
            Node(keys.INDUSTRY, keys.industry_key(n), {"key": keys.industry_key(n), "name": n})
            for n in data.get("industry") or []
            if keys.industry_key(n)
        ]
        industries = list({n.key: n for n in industries}.values())
        props["industries"] = [n.props for n in industries]
        nodes.extend(industries)
        edges.extend(_edge(company_key, keys.INDUSTRY_EDGE, n) for n in industries)

    company = Node(keys.COMPANY, company_key, props)
    return GraphChange(
        event.event_id,
        company_key,
        version,
        company,
        tuple(nodes),
        tuple(edges),
        tuple(rewire),
        merge=not full,
    )


def _edge(company_key: str, kind: str, target: Node) -> Edge:
    return Edge(
        keys.edge_key(company_key, kind, target.key), kind, keys.node_id(keys.COMPANY, company_key), target.id
    )


def _place_nodes(place: Place) -> list[Node]:
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
    return nodes


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
