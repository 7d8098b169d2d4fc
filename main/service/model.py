"""The domain: events in, graph changes out. Plain dataclasses, no framework."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

CREATED = "company-created"
UPDATED = "company-updated"
DELETED = "company-deleted"
EVENT_TYPES = (CREATED, UPDATED, DELETED)


@dataclass(frozen=True)
class Event:
    """A validated company event; `data` keeps every field the publisher sent."""

    event_id: str
    event_type: str
    company_id: str
    data: dict[str, Any]
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class Place:
    """What the resolver made of a location; `raw` keeps whatever it could not resolve."""

    country_code: str | None = None
    country_name: str | None = None
    state_code: str | None = None
    state_name: str | None = None
    city_key: str | None = None
    city_name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    raw: str | None = None

    @property
    def resolved(self) -> bool:
        return self.country_code is not None


UNRESOLVED = Place()


@dataclass(frozen=True)
class Node:
    collection: str
    key: str
    props: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.collection}/{self.key}"


# Edge, Version and FieldWrite are made by the dozen for every event (and Version again
# for every field a batch reads back), so they are named tuples: as immutable as frozen
# dataclasses, built three times faster, and Version compares in C.


class Edge(NamedTuple):
    key: str
    kind: str
    from_id: str
    to_id: str


class Version(NamedTuple):
    """Orders writes to one company: newer `occurred_at` wins, the event id breaks ties."""

    occurred_at: str
    event_id: str


class FieldWrite(NamedTuple):
    """What one field of an event writes: company properties, and for location and
    industry the edges (and the place or industry nodes) that go with them."""

    props: dict[str, Any]
    edges: tuple[Edge, ...] = ()
    nodes: tuple[Node, ...] = ()
    edge_kind: str | None = None


@dataclass(frozen=True)
class GraphChange:
    """Everything one event may write; `fields` is None for a delete.

    The store applies it in one transaction through `service.versions.merge`, which
    keeps, field by field, the write with the newest version, so the graph ends the
    same whatever order the events arrive in. `dated` says the version came from the
    event's occurredAt, not from the moment it was applied: only then can the record
    that the event was applied be forgotten later (applied again, it is stale).
    """

    event_id: str
    company_key: str
    version: Version
    fields: dict[str, FieldWrite] | None
    dated: bool = False


class Outcome(enum.Enum):
    """What an event did, as logged, counted and then served: `deleted` only when the company
    is gone; `partly-deleted` when fields written after the delete's time keep it served."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"
    DELETED = "deleted"
    PARTLY_DELETED = "partly-deleted"
    NOT_FOUND = "not-found"


# Where a list left off: the sort key of its last item, handed back to read the next page.
Position = tuple[str | int, ...]


@dataclass(frozen=True)
class Window:
    """Which part of a list to read: `per_page` items after `after`, a position the store gave
    with the previous page (keyset paging: the same cost on page 1 and page 10,000), or,
    while that stays cheap, after skipping `offset` items."""

    per_page: int = 20
    offset: int = 0
    after: Position | None = None


@dataclass(frozen=True)
class Page:
    """A page of a list. `total` is exact when `total_exact`, else a lower bound: counting a
    hub's companies would cost what the page was meant to save. `next_after` is where the
    next page starts, None on the last page. A page of companies holds each as clients read
    it (company_json's bytes); a page of places, dicts."""

    items: list[Any]
    per_page: int
    total: int
    total_exact: bool = True
    next_after: Position | None = None
    offset: int = 0


@dataclass(frozen=True)
class SearchQuery:
    q: str | None = None
    country: str | None = None
    industry: str | None = None
    city: str | None = None
    window: Window = Window()


@dataclass
class Neighbourhood:
    """Nodes and edges around a company; `omitted` counts, per place or industry, the companies
    sharing it that were left out (a hub's neighbours are capped, the strongest kept)."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return any(self.omitted.values())
