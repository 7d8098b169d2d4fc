"""Field-level last-writer-wins: how a company's stored state and one change combine.

Each field of a company (name, location, industry, ...) remembers the version
(occurredAt, eventId) of the write that set it; a delete leaves a tombstone
version. A field is written only by a version newer than both, and a delete
removes only the fields older than itself. The result does not depend on the
order in which events arrive, which is what lets competing workers, redeliveries
and out-of-order queues all end with the graph that in-order application gives.
Pure functions: every store calls them inside its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from main.service.keys import INDUSTRY_EDGE, LOCATE
from main.service.model import Edge, GraphChange, Node, Outcome, Version


@dataclass
class CompanyState:
    """What a store holds for one company: its document, field versions and tombstone."""

    doc: dict[str, Any] | None = None
    versions: dict[str, Version] = field(default_factory=dict)
    tombstone: Version | None = None


@dataclass
class Merged:
    state: CompanyState
    outcome: Outcome
    drop_edge_kinds: set[str] = field(default_factory=set)
    add_edges: list[Edge] = field(default_factory=list)
    add_nodes: list[Node] = field(default_factory=list)
    new_company: bool = False


def merge(state: CompanyState, change: GraphChange) -> Merged:
    if change.fields is None:
        return _delete(state, change)
    floor = state.tombstone
    doc = dict(state.doc or {})
    versions = dict(state.versions)
    merged = Merged(CompanyState(doc, versions, state.tombstone), Outcome.STALE)
    merged.new_company = state.doc is None and not state.versions
    for name, write in change.fields.items():
        current = versions.get(name)
        if (current is not None and change.version <= current) or (
            floor is not None and change.version <= floor
        ):
            continue
        versions[name] = change.version
        doc.update(write.props)
        if write.edge_kind:
            merged.drop_edge_kinds.add(write.edge_kind)
            merged.add_edges.extend(write.edges)
        merged.add_nodes.extend(write.nodes)
        merged.outcome = Outcome.APPLIED
    if merged.outcome is Outcome.APPLIED:
        doc["id"] = change.company_key
        doc["updatedAt"] = max(v.occurred_at for v in versions.values())
    return merged


def _delete(state: CompanyState, change: GraphChange) -> Merged:
    if state.tombstone is not None and change.version <= state.tombstone:
        return Merged(state, Outcome.STALE)
    kept = {name: v for name, v in state.versions.items() if v > change.version}
    gone = set(state.versions) - set(kept)
    merged = Merged(CompanyState(None, kept, change.version), Outcome.NOT_FOUND)
    if state.doc is not None:
        merged.outcome = Outcome.DELETED
        merged.drop_edge_kinds = {FIELD_EDGES[name] for name in gone if name in FIELD_EDGES}
        if kept:
            merged.outcome = Outcome.PARTLY_DELETED
            merged.state.doc = {k: v for k, v in state.doc.items() if _owner(k, kept) is not None}
            merged.state.doc["id"] = change.company_key
            merged.state.doc["updatedAt"] = max(v.occurred_at for v in kept.values())
    return merged


DERIVED = {"place": "location", "industries": "industry"}
FIELD_EDGES = {"location": LOCATE, "industry": INDUSTRY_EDGE}


def _owner(prop: str, kept: dict[str, Version]) -> str | None:
    """The field a document property belongs to, if that field survives."""
    name = DERIVED.get(prop, prop)
    return name if name in kept else None
