"""The ports: what the use cases need from the outside world, as small abstract classes."""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from main.service.model import Place, Position
from main.service.write_plan import StoredCompany, WritePlan

Rows = list[tuple[Position, Any]]


class GraphReads(abc.ABC):
    """Documents by key, and the rows of the indexes that hold each list the API shows, in the
    list's order, from a position (None: the list's start) after skipping `skip` rows, the
    counts kept for them on write, and what related draws. Which index answers a request,
    its pages and its totals are the service's (listing.py), as are related's ranking and
    the depth-2 fill (related.py); each read below costs about what it returns, whatever the
    size of the places and industries it names."""

    @abc.abstractmethod
    def get_company(self, key: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    def companies_by_name(self, after: Position | None, size: int, skip: int) -> Rows:
        """Every company by name (case-insensitive), then id: (position, company node id)."""

    @abc.abstractmethod
    def linked(self, target: str, after: Position | None, size: int, skip: int) -> Rows:
        """The companies linked to a node, by name, then id: (position, company node id)."""

    @abc.abstractmethod
    def paired(self, place: str, industry: str, after: Position | None, size: int, skip: int) -> Rows:
        """The companies linked to both a place (a city or a country) and an industry, by name."""

    @abc.abstractmethod
    def matching(
        self, words: Sequence[str], targets: Sequence[str], after: Position | None, size: int, skip: int
    ) -> Rows:
        """The companies whose name has a word starting with each of `words` and which are
        linked to every target (at most a place and an industry), in the word index's own
        order (the order they were first stored)."""

    @abc.abstractmethod
    def count_matching(self, words: Sequence[str], targets: Sequence[str], limit: int) -> int:
        """How many companies `matching` holds, counted up to `limit`."""

    @abc.abstractmethod
    def places_by_size(self, collection: str, after: Position | None, size: int, skip: int) -> Rows:
        """The nodes of a collection linked to companies, most companies first, then by id,
        descending: ((companies, node id), companies)."""

    @abc.abstractmethod
    def tally(self, name: str) -> int:
        """Companies in all (`Company`), or the nodes of a collection linked to companies."""

    @abc.abstractmethod
    def degree(self, target: str) -> int:
        """How many companies are linked to a node."""

    @abc.abstractmethod
    def pair_degree(self, place: str, industry: str) -> int:
        """How many companies are linked to both a place and an industry."""

    @abc.abstractmethod
    def company_bodies(self, company_ids: Sequence[str]) -> dict[str, bytes]:
        """These companies as clients read them (company_json's bytes), by node id."""

    @abc.abstractmethod
    def node_docs(self, node_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The documents of these nodes, by id."""

    @abc.abstractmethod
    def has_node(self, node_id: str) -> bool: ...

    @abc.abstractmethod
    def edges_of(self, node_id: str) -> list[tuple[str, str, int]]:
        """A company's edges: (kind, target node id, companies linked to the target)."""

    @abc.abstractmethod
    def drawn(self, target: str, count: int) -> list[tuple[str, Hashable]]:
        """The first `count` companies linked to a node, by name, then id, each with the id of
        the set of nodes it links to (`link_sets`): what related draws from a node."""

    @abc.abstractmethod
    def link_sets(self, ids: Sequence[Hashable]) -> dict[Hashable, tuple[str, ...]]:
        """The node ids of each of these link sets, by id."""

    def generation(self) -> object | None:
        """A value that changes whenever a change is committed, by any process or thread,
        cheap enough to read on every request, so what is kept in-process can be dropped the
        moment it may be stale. None where the store cannot tell: then nothing is kept, and
        caches rely on their TTL alone."""
        return None


class WriteUnit(abc.ABC):
    """One transaction of a store: what a batch's plan needs read, then the plan saved.
    Leaving the unit commits; an exception rolls everything back (the plan's rules are the
    service's: write_plan.py)."""

    @abc.abstractmethod
    def applied(self, event_ids: Sequence[str]) -> set[str]:
        """Which of these events were applied before."""

    @abc.abstractmethod
    def companies(self, keys: Collection[str]) -> dict[str, StoredCompany]:
        """Each company's state and edges, by key (an empty state for a company never seen)."""

    @abc.abstractmethod
    def degrees(self, targets: Sequence[str]) -> dict[str, int]:
        """How many companies each node is linked to now; a node linked to none may be left out."""

    @abc.abstractmethod
    def save(self, plan: WritePlan) -> None: ...


class GraphWrites(abc.ABC):
    @abc.abstractmethod
    def unit_of_work(self) -> AbstractContextManager[WriteUnit]:
        """A write transaction: one writer at a time, or conflicts the store detects."""


class PlaceMemory(abc.ABC):
    """Places resolved before, by location key: the graph is the first geocoding cache."""

    @abc.abstractmethod
    def known_places(self, queries: Sequence[str]) -> dict[str, Place]: ...

    @abc.abstractmethod
    def remember_places(self, places: Mapping[str, Place]) -> None: ...


class GraphRepairs(abc.ABC):
    """What an operator's repairs read and forget: each may read every company it concerns."""

    @abc.abstractmethod
    def raw_located(self, limit: int) -> list[tuple[str, Any]]:
        """(company key, location) of companies whose location is not linked to a country."""

    @abc.abstractmethod
    def forget_applied(self, older_than: timedelta, batch: int = 5_000) -> int:
        """Forget that dated events applied more than `older_than` ago were applied.

        Safe because field versions stay: such an event, delivered again, is stale. The
        records of undated events (versioned by arrival) are kept: applied again, they
        would look newer than what came after them. Returns how many were forgotten.
        """

    @abc.abstractmethod
    def versioned_after(self, ceiling: str) -> list[tuple[str, str]]:
        """(company key, its latest version) of every company holding a field version or a
        tombstone later than `ceiling`, by key."""


# (rows, where the next range starts): the position is the store's own, opaque to the caller
Ranged = tuple[list[Any], str | None]


def following(rows: Sequence[Any], limit: int) -> Any | None:
    """The row the next range starts after: the last one, unless this range was the last."""
    return rows[-1] if len(rows) == limit else None


class GraphExport(abc.ABC):
    """A whole graph read a range at a time, in an order of the store's choosing, for
    `migrate-graph`: each range costs about what it returns, however large the graph."""

    @abc.abstractmethod
    def company_keys(self, after: str | None, limit: int) -> Ranged:
        """Every company with a document, in the order first stored (a copy written in that
        order lists word matches as the original does): rows of keys."""

    @abc.abstractmethod
    def deleted_company_keys(self, after: str | None, limit: int) -> Ranged:
        """Every company deleted that keeps its versions (no document), by key: rows of keys."""

    @abc.abstractmethod
    def stored_companies(self, keys: Collection[str]) -> dict[str, StoredCompany]:
        """Each company's state and edges, as a unit of work reads them."""

    @abc.abstractmethod
    def applied_events(self, after: str | None, limit: int) -> Ranged:
        """Rows of (event id, company key, outcome, dated) of the events applied."""

    @abc.abstractmethod
    def remembered_places(self, after: str | None, limit: int) -> Ranged:
        """Rows of (location key, Place) of the places remembered."""


class StoreLifecycle(abc.ABC):
    @abc.abstractmethod
    def schema_version(self) -> int:
        """Where the store's schema stands. Opening a store brings it up to date (tables and
        indexes here; collections and indexes for ArangoDB): `migrate` runs that alone."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise `Unavailable` when the store cannot answer."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default has none to release."""


class GraphStore(GraphReads, GraphWrites, PlaceMemory, GraphRepairs, GraphExport, StoreLifecycle):
    """A graph of companies, places and industries (SQLite embedded, in memory, ArangoDB):
    every port a store implements, each held by its own contract suite (test/contract)."""


class Geocoder(abc.ABC):
    concurrency = 1
    """How many lookups may run at once (a remote geocoder is I/O-bound; the offline one is not)."""

    @abc.abstractmethod
    def resolve(self, location: str | Mapping[str, Any] | None) -> Place: ...

    def warm(self) -> None:  # noqa: B027 - optional hook
        """Load now what the first lookup would otherwise wait for; the default loads nothing."""


@dataclass(frozen=True)
class Delivery:
    routing_key: str
    body: bytes
    headers: Mapping[str, Any] = field(default_factory=dict)


class Disposition(enum.Enum):
    ACK = "ack"
    DEAD_LETTER = "dead-letter"
    RETRY = "retry"


@dataclass(frozen=True)
class Verdict:
    """What the transport must do with a delivery; `reason` travels with a dead letter."""

    disposition: Disposition
    reason: str = ""


Handler = Callable[[Delivery], Verdict]


class EventBus(abc.ABC):
    """Carries event messages from publishers to the processors (in process or RabbitMQ)."""

    @abc.abstractmethod
    def publish(self, delivery: Delivery) -> None:
        """Return once the bus has taken the message; raise `Unavailable` otherwise."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Stop and flush what is held; the default holds nothing."""

    def ping(self) -> None:  # noqa: B027 - optional hook
        """Raise `Unavailable` when the bus cannot take a message now; an in-process bus can."""


class SharedCache(abc.ABC):
    """A cache shared by every process (memcached); its failures are misses, never errors."""

    @abc.abstractmethod
    def get(self, key: str) -> Any:
        """The value, or `service.cache.MISSING`."""

    @abc.abstractmethod
    def set(self, key: str, value: Any) -> None: ...

    @abc.abstractmethod
    def delete_many(self, keys: Collection[str]) -> None:
        """Drop every key of a batch at once: invalidation must not cost a round trip per key."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default has none."""

    def ping(self) -> None:  # noqa: B027 - optional hook
        """Raise `Unavailable` when a server of the tier does not answer."""


class TokenVerifier(abc.ABC):
    """Checks OAuth2 bearer tokens issued by an identity provider this service trusts."""

    @abc.abstractmethod
    def scopes(self, token: str) -> frozenset[str]:
        """The scopes a valid token grants; `InvalidToken` (saying why) when it is not valid,
        `Unavailable` when the issuer's keys cannot be fetched."""
