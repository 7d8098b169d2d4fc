"""The sync use case: apply company events to the graph, each in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from main.service.changes import build_change
from main.service.graph_writer import GraphWriter
from main.service.model import CREATED, UPDATED, Event, Outcome
from main.service.places import PlaceResolver, location_key
from main.service.ports import GraphStore
from main.util.timing import timed

log = logging.getLogger(__name__)

CHANGED = (Outcome.APPLIED, Outcome.DELETED, Outcome.PARTLY_DELETED)


class SyncService:
    def __init__(
        self,
        store: GraphStore,
        places: PlaceResolver,
        on_change: Callable[[list[str]], None] | None = None,
    ) -> None:
        self.store = store
        self.writer = GraphWriter(store)
        self.places = places
        self.listeners = [on_change] if on_change else []

    def subscribe(self, listener: Callable[[list[str]], None]) -> None:
        """Also tell `listener` the keys of the companies each batch changed."""
        self.listeners.append(listener)

    def apply(self, event: Event) -> Outcome:
        return self.apply_batch([event])[0]

    @timed("apply events")
    def apply_batch(self, events: Sequence[Event]) -> list[Outcome]:
        """Resolve every place first (no network inside a transaction), then write them all at once.

        Each event stays all-or-nothing inside the shared transaction.
        """
        resolved = self.places.resolve_many(e.data.get("location") for e in events if _needs_place(e))
        now = datetime.now(UTC)
        changes = [
            build_change(
                event,
                resolved[location_key(event.data.get("location"))] if _needs_place(event) else None,
                now + timedelta(microseconds=index),
            )
            for index, event in enumerate(events)
        ]
        outcomes = self.writer.apply(changes)
        changed = [c.company_key for c, outcome in zip(changes, outcomes, strict=True) if outcome in CHANGED]
        for listener in self.listeners:
            listener(list(dict.fromkeys(changed)))
        return outcomes


def _needs_place(event: Event) -> bool:
    return event.event_type == CREATED or (event.event_type == UPDATED and "location" in event.data)
