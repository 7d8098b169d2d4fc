"""Related companies and depth-2 neighbourhoods, with bounded work however large the hubs.

Sharing a city of five companies says more than sharing a country of 400,000, so a
shared place or industry weighs its inverse document frequency, log((N + 1) / n),
N the companies in all and n the companies it holds (both counted on write). The
candidates are drawn from the company's rarest places and industries first, at most
`PER_NODE` from each and `CANDIDATES` in all, then scored on everything they share
with it, read from the set of nodes each links to (carried by the index they are drawn
from): a hub adds at most `PER_NODE` candidates, and the work per request stays the same
at 10,000 and at 1,000,000 companies, whichever store holds the graph.
"""

from __future__ import annotations

import heapq
import itertools
import math
import sys
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from main.service.kept import Kept, PerThread
from main.service.keys import COMPANY, edge_key, node_id
from main.service.model import Neighbourhood
from main.service.ports import GraphReads

PER_NODE = 200
CANDIDATES = 400
# A hub's candidates are ~200 companies grouped by link set, with the sets' nodes: ~19 MB at most
HUBS_KEPT = 256
# Related lists of companies linked to hubs only, by their nodes and limit, with their
# companies' bodies: ~17 kB a list of 20, ~9 MB at most
LISTS_KEPT = 512
# Scores are rounded to 6 places: a candidate left undrawn could tie the bound after rounding
SCORE_MARGIN = 1e-6


@dataclass(frozen=True)
class Shared:
    kind: str
    target: str
    companies: int
    weight: float


# Companies drawn from a node, each with the id of the set of nodes it links to
Drawn = list[tuple[str, Hashable]]
# The nodes of each link set, by id
LinkSets = dict[Hashable, tuple[str, ...]]
# Companies linking to the same nodes: (those nodes, the companies)
Group = tuple[tuple[str, ...], tuple[str, ...]]
Best = list[tuple[str, float, list[str]]]


@dataclass(frozen=True)
class Hub:
    """A hub's first PER_NODE + 1 companies by name (the one asking may be among them) with
    their link sets, the nodes of those sets, and the first PER_NODE grouped by the nodes
    they link to: what every company linked to the hub draws from it, kept between
    requests. Tuples, not sets or a tuple per company: about half the memory a hub."""

    companies: tuple[str, ...]
    links: tuple[Hashable, ...]
    link_sets: LinkSets
    grouped: tuple[Group, ...]

    def draws_first(self, centre: str) -> bool:
        """Whether a full draw by `centre` is the first PER_NODE, as grouped."""
        return centre not in self.companies[:PER_NODE]

    def draw(self, centre: str, count: int) -> Drawn:
        """The first `count` companies other than `centre`, with their link sets."""
        return [pair for pair in zip(self.companies, self.links, strict=True) if pair[0] != centre][:count]


@dataclass(frozen=True)
class Ranked:
    """Candidates grouped by the centre's nodes they share, best score first: every company
    of a group scores the same, so a ranking costs set operations on a few groups instead of
    a sum and a sort key per candidate."""

    groups: list[tuple[float, list[tuple[tuple[str, ...], frozenset[str]]]]]

    def score_of(self, place: int) -> float:
        """The score of the `place`-th best candidate (from 1), or -inf when fewer."""
        seen = 0
        for score, parts in self.groups:
            seen += sum(len(companies) for _, companies in parts)
            if seen >= place:
                return score
        return -math.inf

    def top(self, limit: int, sharing: str | None = None) -> Best:
        """The first `limit` by score, then by id: (company, score, the shared node ids)."""
        found: Best = []
        for score, parts in self.groups:
            room = limit - len(found)
            if room <= 0:
                break
            members = [
                (company, shared)
                for shared, companies in parts
                if sharing is None or sharing in shared
                for company in companies
            ]
            found.extend((company, score, list(shared)) for company, shared in heapq.nsmallest(room, members))
        return found


class Neighbours:
    """Related lists and depth-2 neighbourhoods over a store's indexes; a hub's draw and the
    lists of companies linked to hubs only are kept per thread while the store's generation
    stands."""

    def __init__(self, store: GraphReads) -> None:
        self.store = store
        self.kept = PerThread(store, {"hubs": HUBS_KEPT, "lists": LISTS_KEPT})

    def related(self, key: str, limit: int) -> list[dict[str, Any]] | None:
        """Companies sharing places and industries with this one, the rarer shared the higher:
        `{company, score, shared}`, the company as clients read it; None when there is no such
        company (asked of the store only when the company links to nothing).

        Where every node drawn is a hub and the company is none of the companies drawn from
        them, the draws and the weights depend on the nodes alone: every company linked to the
        same nodes gets the same list, kept with its companies' bodies while the store is
        unchanged (the commonest sets of nodes are those of most companies)."""
        hubs, lists = self.kept.current("hubs", "lists")
        centre = node_id(COMPANY, key)
        shared = self.shared_nodes(centre)
        if not shared and not self.store.has_node(centre):
            return None
        if hubs is None or lists is None or not self._drawn_from_kept_hubs(centre, shared, hubs):
            return self._listed(self.ranked(centre, shared, hubs, limit).top(limit))
        answer = lists.get_or_make(
            (tuple(node.target for node in shared), limit),
            lambda: self._listed(self.ranked(centre, shared, hubs, limit).top(limit)),
        )
        return [dict(item) for item in answer]

    def neighbourhood(self, key: str, depth: int, limit: int) -> Neighbourhood:
        """The company, its places and industries; at depth 2 also, for each of them, the
        `limit` companies sharing it that are most related to this one, and how many were
        left out."""
        hubs = self.kept.one("hubs")
        centre = node_id(COMPANY, key)
        shared = self.shared_nodes(centre)
        graph = Neighbourhood()
        graph.edges.extend(
            _edge(s.kind, centre, s.target) for s in sorted(shared, key=lambda s: (s.kind, s.target))
        )
        shown = [centre, *sorted(s.target for s in shared)]
        if depth >= 2:
            ranked = self.ranked(centre, shared, hubs)
            for node in shared:
                neighbours = [company for company, _, _ in ranked.top(limit, sharing=node.target)]
                if len(neighbours) < min(limit, node.companies - 1):
                    neighbours += self._more_sharing(node.target, centre, neighbours, limit - len(neighbours))
                graph.edges.extend(_edge(node.kind, c, node.target) for c in neighbours)
                graph.omitted[node.target] = max(0, node.companies - 1 - len(neighbours))
                shown.extend(neighbours)
        graph.nodes.extend(self._nodes(list(dict.fromkeys(shown))))
        return graph

    def shared_nodes(self, centre: str) -> list[Shared]:
        """The centre's places and industries with their weights, rarest first."""
        companies = max(self.store.tally(COMPANY), 1)
        nodes = [
            Shared(kind, target, n, math.log((companies + 1) / max(n, 1)))
            for kind, target, n in self.store.edges_of(centre)
        ]
        return sorted(nodes, key=lambda s: (s.companies, s.target))

    def ranked(
        self, centre: str, shared: list[Shared], hubs: Kept | None = None, enough: int | None = None
    ) -> Ranked:
        """The candidates drawn, rarest nodes first, grouped by what they share with the centre.

        Each candidate comes with the id of the set of nodes it links to, so what candidates
        share is worked out once per set, not read and summed once per candidate. A hub's
        draw, grouped, and its sets are kept in `hubs`.

        With `enough` (a related list's length), the draw stops where no company left undrawn
        could be among the first `enough`: when every node drawn so far was drawn whole, a
        company not drawn links to none of them and scores at most the weights of the nodes
        left, so once the `enough`-th best drawn scores more than that, the ranking's head is
        settled (a small city's companies outrank anything its country or industry adds)."""
        draw = _Draw(self.store, shared)
        whole = True
        for at, node in enumerate(shared):
            room = min(PER_NODE, CANDIDATES - draw.count)
            if room <= 0:
                break
            if enough is not None and whole and draw.count >= enough:
                ranked = draw.ranked()
                if ranked.score_of(enough) > sum(left.weight for left in shared[at:]) + SCORE_MARGIN:
                    return ranked
            whole = whole and node.companies - 1 <= room
            if hubs is not None and node.companies > PER_NODE:
                hub = self._kept_hub(hubs, node.target)
                if room == PER_NODE and hub.draws_first(centre):
                    draw.add_groups(hub.grouped, len(hub.companies[:PER_NODE]))
                else:
                    draw.add(hub.draw(centre, room), hub.link_sets)
            else:
                draw.add(self._first(node.target, centre, room))
        return draw.ranked()

    def _first(self, target: str, centre: str, count: int) -> Drawn:
        """The target's first `count` companies by name other than the centre."""
        return [pair for pair in self.store.drawn(target, count + 1) if pair[0] != centre][:count]

    def _hub(self, target: str) -> Hub:
        first = [(sys.intern(company), links) for company, links in self.store.drawn(target, PER_NODE + 1)]
        # interned: a hub is kept, and its sets name the same few nodes again and again
        link_sets = {
            links: tuple(map(sys.intern, targets))
            for links, targets in _link_sets(self.store, {links for _, links in first}).items()
        }
        return Hub(
            tuple(company for company, _ in first),
            tuple(links for _, links in first),
            link_sets,
            _grouped(first[:PER_NODE], link_sets),
        )

    def _kept_hub(self, hubs: Kept, target: str) -> Hub:
        return hubs.get_or_make(target, lambda: self._hub(target))

    def _drawn_from_kept_hubs(self, centre: str, shared: list[Shared], hubs: Kept) -> bool:
        """Whether every node drawn is a hub whose first companies leave `centre` out (shared
        is rarest first, so when the first is a hub, all are)."""
        return (
            bool(shared)
            and shared[0].companies > PER_NODE
            and all(
                self._kept_hub(hubs, node.target).draws_first(centre)
                for node in shared[: -(-CANDIDATES // PER_NODE)]
            )
        )

    def _listed(self, best: Best) -> list[dict[str, Any]]:
        found = self.store.company_bodies([company for company, _, _ in best])
        return [
            {"company": found[company], "score": score, "shared": targets}
            for company, score, targets in best
            if company in found
        ]

    def _more_sharing(self, target: str, centre: str, shown: list[str], count: int) -> list[str]:
        """The target's first companies by name other than the centre and those already shown
        (the draw related makes)."""
        skip = set(shown)
        first = self._first(target, centre, count + len(skip))
        return [company for company, _ in first if company not in skip][:count]

    def _nodes(self, ids: list[str]) -> list[dict[str, Any]]:
        docs = self.store.node_docs(ids)
        found = []
        for node in sorted(docs):
            collection, _, key = node.partition("/")
            found.append({"id": node, "collection": collection, "key": key, "properties": docs[node]})
        return found


def _link_sets(store: GraphReads, wanted: Collection[Hashable]) -> LinkSets:
    return store.link_sets(list(wanted)) if wanted else {}


def _grouped(drawn: Iterable[tuple[str, Hashable]], link_sets: LinkSets) -> tuple[Group, ...]:
    """Companies drawn, grouped by the nodes they link to (a set not found: none)."""
    by_set: dict[Hashable, list[str]] = defaultdict(list)
    for company, links in drawn:
        by_set[links].append(company)
    return tuple((link_sets.get(links, ()), tuple(companies)) for links, companies in by_set.items())


class _Draw:
    """Candidates drawn so far: groups already made (a kept hub's), and companies with the
    ids of their link sets, grouped when ranked (sets read once, the nodes of a kept hub's
    known)."""

    def __init__(self, store: GraphReads, shared: list[Shared]) -> None:
        self.store = store
        self.shared = shared
        self.groups: list[tuple[Group, ...]] = []
        self.picks: Drawn = []
        self.known: LinkSets = {}
        self.count = 0

    def add_groups(self, groups: tuple[Group, ...], count: int) -> None:
        self.groups.append(groups)
        self.count += count

    def add(self, picked: Drawn, link_sets: LinkSets | None = None) -> None:
        if link_sets is not None:
            self.known.update((links, link_sets[links]) for _, links in picked)
        self.picks.extend(picked)
        self.count += len(picked)

    def ranked(self) -> Ranked:
        unknown = {links for _, links in self.picks if links not in self.known}
        self.known.update(_link_sets(self.store, unknown))
        wanted = frozenset(node.target for node in self.shared)
        sharing: dict[frozenset[str], set[str]] = defaultdict(set)
        for targets, companies in itertools.chain(
            itertools.chain.from_iterable(self.groups), _grouped(self.picks, self.known)
        ):
            common = wanted.intersection(targets)
            if common:
                sharing[common].update(companies)
        return Ranked(_by_score(sharing, self.shared))


def _by_score(
    sharing: dict[frozenset[str], set[str]], shared: list[Shared]
) -> list[tuple[float, list[tuple[tuple[str, ...], frozenset[str]]]]]:
    # a group's score is summed in the order of a company's edges (kind, then node), the
    # order it was always summed in, to the same float
    ordered = sorted(shared, key=lambda s: (s.kind, s.target))
    by_score: dict[float, list[tuple[tuple[str, ...], frozenset[str]]]] = defaultdict(list)
    for common, companies in sharing.items():
        score = round(sum(node.weight for node in ordered if node.target in common), 6)
        by_score[score].append((tuple(sorted(common)), frozenset(companies)))
    return sorted(by_score.items(), reverse=True)


def _edge(kind: str, source: str, target: str) -> dict[str, str]:
    key = edge_key(source.partition("/")[2], kind, target.partition("/")[2])
    return {"key": key, "kind": kind, "from": source, "to": target}
