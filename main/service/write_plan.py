"""How a batch of changes becomes one write plan: what every store writes, decided once.

The rules of a write live here, for every store: duplicates by applied event id, the
field-version merge (versions.py) and its stale changes, the tombstone, the edges a
change drops and adds, the set of nodes each company links to, the place-industry
pairs, the counts, and the body clients read. A batch is played in memory over what
the store held for its companies, event by event (two events of one company see each
other), and the plan is the difference between what the store held and where the batch
ends: each company's edges, pairs and counts are written once a batch, however many of
its events the batch holds, and each count once a node.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from main.service.company_json import company_json
from main.service.keys import CITY, COMPANY, COUNTRY, INDUSTRY, node_id
from main.service.model import Edge, FieldWrite, GraphChange, Node, Outcome
from main.service.versions import CompanyState, merge

# (kind, target node id)
EdgeRef = tuple[str, str]
# (place, industry): the nodes a search by place and industry reads together
Pair = tuple[str, str]
# The nodes a search filters by, which pair: places, and industries
PAIRED_PLACES = (f"{COUNTRY}/", f"{CITY}/")
PAIRED_INDUSTRIES = f"{INDUSTRY}/"


@dataclass
class StoredCompany:
    """What a store holds for one company when a batch starts."""

    state: CompanyState = field(default_factory=CompanyState)
    edges: frozenset[EdgeRef] = frozenset()


@dataclass(frozen=True)
class CompanyRow:
    """A company as it stands after the batch.

    `body` is None when its document did not change (the stored body stands). `restamp`:
    its edges it kept need its new name or link set (each edge carries both, so a node's
    companies are listed by name and drawn with what they link to from one index).
    A company deleted and created again in the batch is among the deleted too, and written
    as a new company (where the order companies were first stored matters, it is last)."""

    id: str
    key: str
    doc: dict[str, Any]
    name: str
    links: tuple[str, ...]
    body: bytes | None
    restamp: bool


@dataclass(frozen=True)
class PairRow:
    place: str
    industry: str
    name: str
    company: str


@dataclass
class WritePlan:
    """Everything a store writes for a batch, in one transaction, in this order: the edges and
    pairs dropped (every one of a deleted company), the deleted companies, the companies
    written (new ones in the order they were created), the places and industries, the edges
    and pairs added (each edge and pair carrying its company's name, each edge its link
    set), and the counts moved by their deltas. Companies and nodes new to the store are
    stored in `order` (ids), the order the batch first wrote them, as event-by-event
    writing would have: where a store's order of first storing shows (SQLite's word index
    lists matches in its row order), a batch leaves it as its events would."""

    deleted: list[str] = field(default_factory=list)
    edges_dropped: list[tuple[str, str, str]] = field(default_factory=list)
    pairs_dropped: list[PairRow] = field(default_factory=list)
    companies: list[CompanyRow] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    edges_added: list[tuple[str, str, str]] = field(default_factory=list)
    pairs_added: list[PairRow] = field(default_factory=list)
    degrees: dict[str, int] = field(default_factory=dict)
    pair_degrees: dict[Pair, int] = field(default_factory=dict)
    tally: dict[str, int] = field(default_factory=dict)
    versions: dict[str, CompanyState] = field(default_factory=dict)
    applied: list[tuple[str, str, str, bool]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)


def sort_name(doc: Mapping[str, Any]) -> str:
    """A company's name as lists sort it; never NULL, which no keyset comparison could pass."""
    return doc.get("name") or ""


def pairs_of(edges: Iterable[EdgeRef]) -> set[Pair]:
    targets = [target for _, target in edges]
    places = [target for target in targets if target.startswith(PAIRED_PLACES)]
    industries = [target for target in targets if target.startswith(PAIRED_INDUSTRIES)]
    return {(place, industry) for place in places for industry in industries}


@dataclass
class _Working:
    stored: StoredCompany
    state: CompanyState
    edges: set[EdgeRef]
    recreated: bool = False
    versioned: bool = False


class Planner:
    """A batch played over the stored companies; `plan` says what to write."""

    def __init__(self, applied: set[str], stored: Mapping[str, StoredCompany]) -> None:
        self.seen = set(applied)
        self.working = {
            key: _Working(company, company.state, set(company.edges)) for key, company in stored.items()
        }
        # the companies and nodes written, by id, in the order each was first written (a
        # company deleted and created again moves to where it was created again)
        self.order: dict[str, None] = {}
        self.nodes: dict[str, Node] = {}
        self.applied: list[tuple[str, str, str, bool]] = []

    def touched(self) -> bool:
        """Whether the batch has anything to write (a relink of a moved location has not)."""
        return bool(self.order or self.applied)

    def apply(self, change: GraphChange) -> Outcome:
        if change.event_id in self.seen:
            return Outcome.DUPLICATE
        self.seen.add(change.event_id)
        company = self.working[change.company_key]
        merged = merge(company.state, change)
        outcome = merged.outcome
        if outcome is not Outcome.STALE:
            self._became(change.company_key, company, merged.state)
            company.versioned = True
            if merged.state.doc is None:
                company.edges.clear()
            elif merged.add_edges or merged.drop_edge_kinds:
                drop = () if merged.new_company else merged.drop_edge_kinds
                self._rewire(company, drop, merged.add_edges, merged.add_nodes)
        self.applied.append((change.event_id, change.company_key, outcome.value, change.dated))
        return outcome

    def relink(self, key: str, location: Any, write: FieldWrite) -> bool:
        """A newly resolved place for the company's location, unless it changed meanwhile;
        every version stays as it was."""
        company = self.working[key]
        doc = company.state.doc
        if doc is None or doc.get("location") != location:
            return False
        self._became(
            key,
            company,
            CompanyState({**doc, **write.props}, company.state.versions, company.state.tombstone),
        )
        self._rewire(company, (write.edge_kind,), write.edges, write.nodes)
        return True

    def rewrite(self, key: str, state: CompanyState) -> None:
        """Versions and document as an operator's repair makes them; edges untouched."""
        company = self.working[key]
        self._became(key, company, state)
        company.versioned = True

    def copy(self, key: str, source: StoredCompany, nodes: Iterable[Node]) -> None:
        """A company as another store holds it (migrate-graph): its state, versions and edges
        replace what this store held, with the nodes its edges reach."""
        company = self.working[key]
        self._became(key, company, source.state)
        company.versioned = True
        company.edges = set(source.edges)
        self._rewire(company, (), (), nodes)

    def _became(self, key: str, company: _Working, state: CompanyState) -> None:
        company_id = node_id(COMPANY, key)
        if state.doc is not None and company.state.doc is None:
            company.recreated = company.stored.state.doc is not None
            self.order.pop(company_id, None)
        self.order.setdefault(company_id, None)
        company.state = state

    def _rewire(
        self, company: _Working, drop: Iterable[str | None], edges: Iterable[Edge], nodes: Iterable[Node]
    ) -> None:
        dropped = set(drop)
        company.edges = {edge for edge in company.edges if edge[0] not in dropped}
        company.edges.update((edge.kind, edge.to_id) for edge in edges)
        for node in nodes:
            self.nodes[node.id] = node
            self.order.setdefault(node.id, None)

    def plan(
        self, degrees: Callable[[list[str]], Mapping[str, int]], written: Callable[[Node], bool]
    ) -> WritePlan:
        """The plan of the batch; `degrees` reads the stored counts of the nodes whose count
        moves (a place's first or last company moves its collection's count), `written`
        says whether a place or industry node is already stored as it is."""
        plan = WritePlan(applied=self.applied, order=list(self.order))
        deltas: Counter[str] = Counter()
        pair_deltas: Counter[Pair] = Counter()
        for written_id in self.order:
            collection, _, key = written_id.partition("/")
            if collection != COMPANY:
                continue
            company = self.working[key]
            if company.versioned:
                plan.versions[key] = company.state
            self._plan_company(plan, key, company, deltas, pair_deltas)
        plan.nodes = [node for node in self.nodes.values() if not written(node)]
        plan.degrees = {target: delta for target, delta in deltas.items() if delta}
        plan.pair_degrees = {pair: delta for pair, delta in pair_deltas.items() if delta}
        plan.tally = self._tally(plan, degrees)
        return plan

    def _plan_company(
        self, plan: WritePlan, key: str, company: _Working, deltas: Counter[str], pair_deltas: Counter[Pair]
    ) -> None:
        company_id = node_id(COMPANY, key)
        before_doc, after_doc = company.stored.state.doc, company.state.doc
        before = company.stored.edges if before_doc is not None else frozenset()
        after = frozenset(company.edges) if after_doc is not None else frozenset()
        whole = after_doc is None or company.recreated
        if before_doc is not None and whole:
            plan.deleted.append(company_id)
        old_name = sort_name(before_doc) if before_doc is not None else ""
        new_name = sort_name(after_doc) if after_doc is not None else ""
        dropped, added = (before, after) if whole else (before - after, after - before)
        old_pairs, new_pairs = pairs_of(before), pairs_of(after)
        renamed = whole or old_name != new_name
        plan.edges_dropped.extend((company_id, kind, target) for kind, target in sorted(dropped))
        plan.pairs_dropped.extend(
            PairRow(place, industry, old_name, company_id)
            for place, industry in sorted(old_pairs if renamed else old_pairs - new_pairs)
        )
        deltas.update({target: -1 for _, target in dropped})
        deltas.update({target: 1 for _, target in added})
        pair_deltas.update(dict.fromkeys(old_pairs - new_pairs, -1))
        pair_deltas.update(dict.fromkeys(new_pairs - old_pairs, 1))
        if after_doc is None:
            return
        links = tuple(target for _, target in sorted(after))
        moved = links != tuple(target for _, target in sorted(before))
        plan.companies.append(
            CompanyRow(
                company_id,
                key,
                after_doc,
                new_name,
                links,
                company_json(after_doc) if whole or after_doc != before_doc else None,
                not whole and bool(after & before) and (renamed or moved),
            )
        )
        plan.edges_added.extend((company_id, kind, target) for kind, target in sorted(added))
        plan.pairs_added.extend(
            PairRow(place, industry, new_name, company_id)
            for place, industry in sorted(new_pairs if renamed else new_pairs - old_pairs)
        )

    def _tally(self, plan: WritePlan, degrees: Callable[[list[str]], Mapping[str, int]]) -> dict[str, int]:
        tally: Counter[str] = Counter()
        for company in self.working.values():
            existed, exists = company.stored.state.doc is not None, company.state.doc is not None
            tally[COMPANY] += exists - existed
        stored = degrees(sorted(plan.degrees)) if plan.degrees else {}
        for target, delta in plan.degrees.items():
            was = stored.get(target, 0)
            tally[target.partition("/")[0]] += (was + delta > 0) - (was > 0)
        return {name: delta for name, delta in tally.items() if delta}
