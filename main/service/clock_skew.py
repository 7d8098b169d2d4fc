"""How far ahead of this service's clock an event may be dated, and how to undo what came before.

A field written by an event is written again only by a newer version (versions.py),
so one event dated in the far future (a clock running ahead, a typo in a feed)
would make every later update of its company stale and every delete leave it in
place, for good. Brokers bound a producer's timestamp for the same reason (Kafka's
`log.message.timestamp.after.max.ms`): an event dated more than the bound ahead of
the receiving clock is refused at every door, never rewritten silently. Versions
written before the bound existed are found and pulled back by an operator command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from main.service.changes import version_text
from main.service.errors import InvalidEvent
from main.service.graph_writer import GraphWriter
from main.service.model import Event, Version
from main.service.ports import GraphStore
from main.service.versions import CompanyState

DEFAULT_SKEW_SECONDS = 300


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SkewBound:
    """The receiving clock and how far ahead of it an `occurredAt` may lie."""

    seconds: float = DEFAULT_SKEW_SECONDS
    clock: Callable[[], datetime] = utc_now

    def ceiling(self, now: datetime | None = None) -> datetime:
        """The latest `occurredAt` taken at `now` (the clock's reading when not given)."""
        return (now or self.clock()) + timedelta(seconds=self.seconds)

    def check(self, event: Event) -> Event:
        """The event, or `InvalidEvent` naming occurredAt when it lies beyond the bound."""
        if event.occurred_at is not None and event.occurred_at > self.ceiling():
            raise InvalidEvent(
                "occurredAt is ahead of the receiving clock",
                {
                    "occurredAt": [
                        f"More than {self.seconds:g} s ahead of this service's clock: send the"
                        " time the change happened, with its UTC offset."
                    ]
                },
            )
        return event


def pull_back(state: CompanyState, ceiling: str, to: str) -> CompanyState | None:
    """`state` with every version later than `ceiling` moved back to `to` (each keeps its event
    id), or None when none lies beyond. The document's updatedAt follows its newest field."""
    versions = {name: _pulled(v, ceiling, to) for name, v in state.versions.items()}
    tombstone = _pulled(state.tombstone, ceiling, to) if state.tombstone else None
    if versions == state.versions and tombstone == state.tombstone:
        return None
    doc = state.doc
    if doc is not None and versions:
        doc = {**doc, "updatedAt": max(v.occurred_at for v in versions.values())}
    return replace(state, doc=doc, versions=versions, tombstone=tombstone)


def _pulled(version: Version, ceiling: str, to: str) -> Version:
    return version._replace(occurred_at=to) if version.occurred_at > ceiling else version


class FutureDated:
    """Companies written before the bound held, with versions beyond it, and their repair.

    A repaired version moves back to the repair's own time, not to the bound: an update
    sent right after the repair is then newer and wins, as it would have without the typo.
    """

    def __init__(
        self, store: GraphStore, skew: SkewBound, on_change: Callable[[list[str]], None], batch: int = 500
    ) -> None:
        self.store = store
        self.writer = GraphWriter(store)
        self.skew = skew
        self.on_change = on_change
        self.batch = batch

    def find(self) -> list[tuple[str, str]]:
        """(company key, its latest version) beyond the bound now."""
        return self.store.versioned_after(version_text(self.skew.ceiling()))

    def repair(self) -> list[str]:
        now = self.skew.clock()
        ceiling, to = version_text(self.skew.ceiling(now)), version_text(now)
        keys = [key for key, _ in self.store.versioned_after(ceiling)]
        repaired: list[str] = []
        for start in range(0, len(keys), self.batch):
            chunk = self.writer.rewrite_states(
                keys[start : start + self.batch], lambda state: pull_back(state, ceiling, to)
            )
            self.on_change(chunk)
            repaired.extend(chunk)
        return repaired
