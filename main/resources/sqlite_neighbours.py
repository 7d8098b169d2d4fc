"""Related companies and depth-2 neighbourhoods, with bounded work however large the hubs.

Sharing a city of five companies says more than sharing a country of 400,000, so a
shared place or industry weighs its inverse document frequency, log((N + 1) / n),
N the companies in all and n the companies it holds (both counted on write). The
candidates are drawn from the company's rarest places and industries first, at most
`PER_NODE` from each and `CANDIDATES` in all, then scored on everything they share
with it by primary-key lookups: a hub adds at most `PER_NODE` candidates, and the
work per request stays the same at 10,000 and at 1,000,000 companies.
"""

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from dataclasses import dataclass

import orjson

from main.resources.sqlite_kept import Kept
from main.resources.sqlite_lists import Read, docs, tally
from main.service.keys import COMPANY, edge_key, node_id
from main.service.model import Neighbourhood

PER_NODE = 200
CANDIDATES = 400


@dataclass(frozen=True)
class Shared:
    kind: str
    target: str
    companies: int
    weight: float


def shared_nodes(read: Read, centre: str) -> list[Shared]:
    """The centre's places and industries with their weights, rarest first."""
    companies = max(tally(read, "Company"), 1)
    rows = read(
        "SELECT e.kind, e.to_id, coalesce(d.companies, 1) FROM edge e"
        " LEFT JOIN node_degree d ON d.id = e.to_id WHERE e.from_id = ?",
        (centre,),
    )
    nodes = [Shared(kind, target, n, math.log((companies + 1) / max(n, 1))) for kind, target, n in rows]
    return sorted(nodes, key=lambda s: (s.companies, s.target))


# A hub's first companies by name, each with every node it links to
Members = list[tuple[str, tuple[str, ...]]]


def _members(read: Read, hub: str) -> Members:
    """The hub's first PER_NODE + 1 companies (the one asking may be among them) with their links."""
    first = [r[0] for r in read(_FIRST_COMPANIES, (hub, "", PER_NODE + 1))]
    links = _links_of(read, first)
    return [(company, tuple(sys.intern(target) for target in links.get(company, ()))) for company in first]


_FIRST_COMPANIES = "SELECT from_id FROM edge WHERE to_id = ? AND from_id <> ? ORDER BY sort, from_id LIMIT ?"


def _links_of(read: Read, companies: list[str]) -> dict[str, list[str]]:
    """Each company's own few edges, by primary key; asking for the shared targets in SQL
    instead lets SQLite walk a hub's edges by target (340,000 at a million)."""
    found: dict[str, list[str]] = defaultdict(list)
    if companies:
        rows = read(
            "SELECT from_id, to_id FROM edge WHERE from_id IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(set(companies))),),
        )
        for company, target in rows:
            found[company].append(target)
    return found


def scored_candidates(
    read: Read, centre: str, shared: list[Shared], hubs: Kept | None = None
) -> dict[str, tuple[float, list[str]]]:
    """company id -> (score, the shared node ids) for the candidates drawn, rarest nodes first.

    A hub (more companies than PER_NODE) gives every company linked to it the same first
    PER_NODE candidates, and reading their links by primary key was most of the cost (400
    seeks, ~3.7 us each, at a million companies): `hubs` keeps them with their links."""
    candidates: list[str] = []
    known: dict[str, tuple[str, ...]] = {}
    for node in shared:
        room = min(PER_NODE, CANDIDATES - len(candidates))
        if room <= 0:
            break
        if hubs is not None and node.companies > PER_NODE:
            members = hubs.get_or_make(node.target, lambda target=node.target: _members(read, target))
            drawn = [(company, links) for company, links in members if company != centre]
            candidates.extend(company for company, _ in drawn[:room])
            known.update(drawn[:room])
        else:
            rows = read(_FIRST_COMPANIES, (node.target, centre, room))
            candidates.extend(r[0] for r in rows)
    if not candidates:
        return {}
    links = {**_links_of(read, [c for c in candidates if c not in known]), **known}
    weights = {node.target: node.weight for node in shared}
    scores: dict[str, tuple[float, list[str]]] = {}
    # candidates sharing the same nodes score the same: each set is summed once
    scored: dict[tuple[str, ...], tuple[float, tuple[str, ...]]] = {}
    for company in set(candidates):
        targets = tuple(target for target in links.get(company, ()) if target in weights)
        if targets:
            score = scored.get(targets)
            if score is None:
                score = scored[targets] = (round(sum(weights[t] for t in targets), 6), tuple(sorted(targets)))
            scores[company] = (score[0], list(score[1]))
    return scores


def related(read: Read, key: str, limit: int, hubs: Kept | None = None) -> list[dict]:
    centre = node_id(COMPANY, key)
    scores = scored_candidates(read, centre, shared_nodes(read, centre), hubs)
    best = sorted(scores.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
    found = docs(read, [company for company, _ in best])
    return [
        {"company": found[company], "score": score, "shared": targets}
        for company, (score, targets) in best
        if company in found
    ]


def neighbourhood(read: Read, key: str, depth: int, limit: int, hubs: Kept | None = None) -> Neighbourhood:
    """The company, its places and industries; at depth 2 also, for each of them, the `limit`
    companies sharing it that are most related to this one, and how many were left out."""
    centre = node_id(COMPANY, key)
    shared = shared_nodes(read, centre)
    graph = Neighbourhood()
    graph.edges.extend(
        _edge(s.kind, centre, s.target) for s in sorted(shared, key=lambda s: (s.kind, s.target))
    )
    shown = [centre, *sorted(s.target for s in shared)]
    if depth >= 2:
        scores = scored_candidates(read, centre, shared, hubs)
        ranked = sorted(scores.items(), key=lambda item: (-item[1][0], item[0]))
        for node in shared:
            neighbours = [c for c, (_, targets) in ranked if node.target in targets][:limit]
            if len(neighbours) < min(limit, node.companies - 1):
                neighbours += _more_sharing(read, node.target, {centre, *neighbours}, limit - len(neighbours))
            graph.edges.extend(_edge(node.kind, c, node.target) for c in neighbours)
            graph.omitted[node.target] = max(0, node.companies - 1 - len(neighbours))
            shown.extend(neighbours)
    graph.nodes.extend(_nodes(read, list(dict.fromkeys(shown))))
    return graph


def _more_sharing(read: Read, target: str, skip: set[str], count: int) -> list[str]:
    rows = read(
        "SELECT from_id FROM edge WHERE to_id = ? ORDER BY sort, from_id LIMIT ?", (target, count + len(skip))
    )
    return [r[0] for r in rows if r[0] not in skip][:count]


def _nodes(read: Read, ids: list[str]) -> list[dict]:
    rows = read(
        "SELECT id, collection, key, props FROM node"
        " WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
        (json.dumps(ids),),
    )
    return [{"id": r[0], "collection": r[1], "key": r[2], "properties": orjson.loads(r[3])} for r in rows]


def _edge(kind: str, source: str, target: str) -> dict[str, str]:
    key = edge_key(source.partition("/")[2], kind, target.partition("/")[2])
    return {"key": key, "kind": kind, "from": source, "to": target}
