"""Every write to the graph, for every store: a batch played by the planner inside one of the
store's units of work, and its plan saved there.

Each event stays all-or-nothing: any error rolls the whole unit back, and the message
dispatcher then applies the batch's events one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar

from main.service.errors import Conflict
from main.service.model import FieldWrite, GraphChange, Node, Outcome
from main.service.ports import GraphWrites
from main.service.versions import CompanyState
from main.service.write_plan import Planner, StoredCompany
from main.util import tracing

T = TypeVar("T")
# plays of a batch that met another writer's commit, before it is an outage (the worker's)
CONFLICT_ATTEMPTS = 5


class KnownNodes:
    """Place and industry nodes this thread has already written, as it wrote them.

    The same few thousand places come with every event; writing each again is the
    per-event work that can be done once. Bounded, and forgotten when a unit of work
    rolls back (the write it remembers may not have happened).
    """

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self.written: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, dict[str, Any]] = {}

    def stored(self, node: Node) -> bool:
        """Props are never mutated once a node is built, so the dict itself is what was written
        (compared in C; no sorted copy per node per event)."""
        return node.props in (self.written.get(node.id), self.pending.get(node.id))

    def wrote(self, nodes: Sequence[Node]) -> None:
        self.pending.update((node.id, node.props) for node in nodes)

    def committed(self) -> None:
        if len(self.written) + len(self.pending) > self.limit:
            self.written.clear()
        self.written.update(self.pending)
        self.pending.clear()

    def rolled_back(self) -> None:
        self.pending.clear()


class GraphWriter:
    def __init__(self, store: GraphWrites) -> None:
        self.store = store
        self.local = threading.local()

    def apply(self, changes: Sequence[GraphChange]) -> list[Outcome]:
        """Apply each change all-or-nothing; several changes share one commit."""
        with tracing.span("graph write", attributes={"changes": len(changes)}):
            return self._write(
                {change.company_key for change in changes},
                [change.event_id for change in changes],
                lambda planner: [planner.apply(change) for change in changes],
            )

    def relink(self, company_key: str, location: Any, write: FieldWrite) -> bool:
        """Link the company to a newly resolved place, unless its location changed meanwhile;
        the field keeps its version, so newer events still win."""
        return self._write({company_key}, [], lambda planner: planner.relink(company_key, location, write))

    def rewrite_states(
        self, keys: Sequence[str], rewrite: Callable[[CompanyState], CompanyState | None]
    ) -> list[str]:
        """Pass each company's state through `rewrite` in one transaction and save what it
        returns (versions, tombstone and document; None leaves a company as it is): the keys
        rewritten."""

        def rewritten(planner: Planner) -> list[str]:
            done = []
            for key in sorted(planner.working):
                state = rewrite(planner.working[key].state)
                if state is not None:
                    planner.rewrite(key, state)
                    done.append(key)
            return done

        return self._write(set(keys), [], rewritten)

    def copy(self, companies: Mapping[str, StoredCompany], nodes: Mapping[str, Node]) -> None:
        """Companies as another store holds them, in one transaction (migrate-graph); what
        this store held of them is replaced, so copying again changes nothing."""

        def copied(planner: Planner) -> None:
            for key, company in companies.items():
                reached = [nodes[target] for _, target in company.edges if target in nodes]
                planner.copy(key, company, reached)

        self._write(set(companies), [], copied)

    def copy_applied(self, rows: Sequence[tuple[str, str, str, bool]]) -> None:
        """Records of applied events as another store holds them; those held already stay."""

        def copied(planner: Planner) -> None:
            planner.applied.extend(row for row in rows if row[0] not in planner.seen)

        self._write(set(), [row[0] for row in rows], copied)

    def _write(self, keys: Collection[str], event_ids: Sequence[str], play: Callable[[Planner], T]) -> T:
        """Played again from what is stored when the store reports a conflict: the planner
        reads everything it decides on inside the unit, so a new play decides afresh."""
        plays = 1
        while True:
            try:
                return self._play(keys, event_ids, play)
            except Conflict:
                if plays == CONFLICT_ATTEMPTS:
                    raise
                plays += 1

    def _play(self, keys: Collection[str], event_ids: Sequence[str], play: Callable[[Planner], T]) -> T:
        known = self._known()
        try:
            with self.store.unit_of_work() as work:
                planner = Planner(work.applied(event_ids) if event_ids else set(), work.companies(keys))
                result = play(planner)
                if planner.touched():
                    plan = planner.plan(work.degrees, known.stored)
                    work.save(plan)
                    known.wrote(plan.nodes)
        except BaseException:
            known.rolled_back()
            raise
        known.committed()
        return result

    def _known(self) -> KnownNodes:
        """One per thread: a thread's unit of work commits or rolls back what it remembers."""
        if not hasattr(self.local, "known"):
            self.local.known = KnownNodes()
        return self.local.known
