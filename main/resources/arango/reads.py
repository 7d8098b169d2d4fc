"""The read port as AQL, bind variables only, each read an index range stopped by `LIMIT`:

* every company: `Company` by (sort, order);
* a node's companies: its edges' vertex-centric index (`_to`, sort, order);
* a place's companies in an industry: `pair` by (place, industry, sort, order);
* words, with any filters: `posting` by (term, seq), walked from the clause with the fewest
  postings (`term_count`), each row checked in the others' by key, in the order companies
  were first stored (`seq`), as SQLite's word index lists them;
* places and industries by size: each node collection by (companies, order);
* counts from counter documents: a node's `companies`, `pair_count`, the tallies in `meta`.

Positions are the same as every store's ((name, key), (seq,), (companies, id)); the hex
sort keys they stand for are made here (documents.py says why). A position is an index
range (`sort >= @sort`) and the tie on the name a filter on the range's first rows, so a
page deep in a hub's list seeks where it starts instead of walking every row before it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from main.resources.arango.documents import (
    MAX_PREFIX,
    STATE_KEY,
    hashed,
    ordered,
    pair_count_key,
    prefix_term,
    sort_key,
    target_term,
    word_term,
)
from main.service.keys import COMPANY, INDUSTRY, INDUSTRY_EDGE, LOCATE, node_id
from main.service.model import Position
from main.service.ports import GraphReads, Rows

# Where a list of places, largest first, starts
PLACES_START: Position = (2**62, "\U0010ffff")
# past every hex term of a prefix: `g` collates after every hex digit
PAST_HEX = "g"

COMPANIES_BY_NAME = """
FOR c IN Company
  FILTER c.sort >= @sort
  FILTER c.sort > @sort OR c.order > @order
  SORT c.sort, c.order
  LIMIT @skip, @size
  RETURN [c.name, c._key]
"""
LINKED = """
FOR e IN @@edges
  FILTER e._to == @target AND e.sort >= @sort
  FILTER e.sort > @sort OR e.order > @order
  SORT e.sort, e.order
  LIMIT @skip, @size
  RETURN [e.name, e._from]
"""
PAIRED = """
FOR p IN pair
  FILTER p.place == @place AND p.industry == @industry AND p.sort >= @sort
  FILTER p.sort > @sort OR p.order > @order
  SORT p.sort, p.order
  LIMIT @skip, @size
  RETURN [p.name, p.company]
"""
# `others`: one list of terms per clause the driver's rows must also be in (any of them)
MATCHING = """
FOR p IN posting
  FILTER p.term == @driver AND p.seq > @after
  SORT p.seq
  FILTER LENGTH(
    FOR clause IN @others
      FILTER LENGTH(FOR o IN posting FILTER o.term IN clause AND o.seq == p.seq LIMIT 1 RETURN 1) == 0
      LIMIT 1
      RETURN 1
  ) == 0
  LIMIT @skip, @size
  RETURN [p.seq, p.company]
"""
TERM_COUNTS = "FOR t IN term_count FILTER t._key IN @keys RETURN [t.term, t.count]"
STARTED_WORDS = """
FOR t IN term_count
  FILTER t.term >= @low AND t.term < @high AND t.count > 0
  SORT t.term
  RETURN t.term
"""
PLACES_BY_SIZE = """
FOR n IN @@nodes
  FILTER n.companies > 0 AND n.companies <= @companies
  FILTER n.companies < @companies OR n.order < @order
  SORT n.companies DESC, n.order DESC
  LIMIT @skip, @size
  RETURN [n.companies, n._id]
"""
TALLY = "RETURN DOCUMENT('meta', @key).tally[@name] || 0"
DEGREE = "RETURN DOCUMENT(@id).companies || 0"
PAIR_DEGREE = "RETURN DOCUMENT('pair_count', @key).companies || 0"
COMPANY_DOC = "RETURN DOCUMENT('Company', @key).doc"
BODIES = "FOR c IN Company FILTER c._id IN @ids RETURN [c._id, c.body]"
NODE_DOCS = "FOR n IN DOCUMENT(@ids) RETURN [n._id, n.doc]"
HAS_NODE = "RETURN DOCUMENT(@id) != null"
EDGES_OF = """
FOR e IN UNION(
    (FOR l IN locate FILTER l._from == @id RETURN l),
    (FOR i IN industry FILTER i._from == @id RETURN i))
  RETURN [PARSE_IDENTIFIER(e._id).collection, e._to, DOCUMENT(e._to).companies || 1]
"""
DRAWN = """
FOR e IN @@edges
  FILTER e._to == @target
  SORT e.sort, e.order
  LIMIT @count
  RETURN [e._from, e.links]
"""


class ArangoReads(GraphReads):
    """Over the store's `_read` (a query of bind variables to its rows, retried on an outage)."""

    _read: Callable[[str, dict[str, Any]], list]

    def get_company(self, key: str) -> dict[str, Any] | None:
        return self._read(COMPANY_DOC, {"key": key})[0]

    def has_node(self, node_id: str) -> bool:
        return bool(self._read(HAS_NODE, {"id": node_id})[0])

    def companies_by_name(self, after: Position | None, size: int, skip: int) -> Rows:
        rows = self._read(COMPANIES_BY_NAME, {**_after_name(after), "skip": skip, "size": size})
        return [((name, key), node_id(COMPANY, key)) for name, key in rows]

    def linked(self, target: str, after: Position | None, size: int, skip: int) -> Rows:
        bind = {
            "@edges": _edges_to(target),
            "target": target,
            **_after_name(after),
            "skip": skip,
            "size": size,
        }
        return [((name, company), company) for name, company in self._read(LINKED, bind)]

    def paired(self, place: str, industry: str, after: Position | None, size: int, skip: int) -> Rows:
        bind = {"place": place, "industry": industry, **_after_name(after), "skip": skip, "size": size}
        return [((name, company), company) for name, company in self._read(PAIRED, bind)]

    def matching(
        self, words: Sequence[str], targets: Sequence[str], after: Position | None, size: int, skip: int
    ) -> Rows:
        walk = self._walk(words, targets)
        if walk is None:
            return []
        rows = self._read(MATCHING, {**walk, "after": after[0] if after else 0, "skip": skip, "size": size})
        return [((seq,), company) for seq, company in rows]

    def count_matching(self, words: Sequence[str], targets: Sequence[str], limit: int) -> int:
        walk = self._walk(words, targets)
        if walk is None:
            return 0
        return len(self._read(MATCHING, {**walk, "after": 0, "skip": 0, "size": limit}))

    def _walk(self, words: Sequence[str], targets: Sequence[str]) -> dict[str, Any] | None:
        """The term to walk and the clauses to check, or None when nothing can match. A word of
        up to MAX_PREFIX letters is one prefix term; a longer one, the words of the names it
        starts (any of them), walked as its indexed prefix; the targets, one term. The walk
        starts from the term with the fewest postings, as an intersection is best walked."""
        clauses: list[tuple[str, list[str]]] = []
        for word in words:
            if len(word) <= MAX_PREFIX:
                clauses.append((prefix_term(word), [prefix_term(word)]))
                continue
            low = word_term(word)
            started = self._read(STARTED_WORDS, {"low": low, "high": low + PAST_HEX})
            if not started:
                return None
            clauses.append((prefix_term(word[:MAX_PREFIX]), started))
        if targets:
            clauses.append((target_term(targets), [target_term(targets)]))
        walked = {walk for walk, _ in clauses}
        counts = dict(self._read(TERM_COUNTS, {"keys": [hashed(walk) for walk in walked]}))
        if not clauses or not all(counts.get(walk) for walk in walked):
            return None
        first = min(range(len(clauses)), key=lambda n: counts[clauses[n][0]])
        driver = clauses[first][0]
        # a long word walked as its prefix is checked for its words too
        others = [checked for n, (_, checked) in enumerate(clauses) if n != first or checked != [driver]]
        return {"driver": driver, "others": others}

    def places_by_size(self, collection: str, after: Position | None, size: int, skip: int) -> Rows:
        companies, node = after or PLACES_START
        bind = {
            "@nodes": collection,
            "companies": companies,
            "order": ordered(node),
            "skip": skip,
            "size": size,
        }
        return [((count, node), count) for count, node in self._read(PLACES_BY_SIZE, bind)]

    def tally(self, name: str) -> int:
        return self._read(TALLY, {"key": STATE_KEY, "name": name})[0]

    def degree(self, target: str) -> int:
        return self._read(DEGREE, {"id": target})[0]

    def pair_degree(self, place: str, industry: str) -> int:
        return self._read(PAIR_DEGREE, {"key": pair_count_key(place, industry)})[0]

    def company_bodies(self, company_ids: Sequence[str]) -> dict[str, bytes]:
        if not company_ids:
            return {}
        return {company: body.encode() for company, body in self._read(BODIES, {"ids": list(company_ids)})}

    def node_docs(self, node_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not node_ids:
            return {}
        return dict(self._read(NODE_DOCS, {"ids": list(node_ids)}))

    def edges_of(self, node_id: str) -> list[tuple[str, str, int]]:
        return [tuple(row) for row in self._read(EDGES_OF, {"id": node_id})]

    def drawn(self, target: str, count: int) -> list[tuple[str, Hashable]]:
        rows = self._read(DRAWN, {"@edges": _edges_to(target), "target": target, "count": count})
        return [(company, tuple(links)) for company, links in rows]

    def link_sets(self, ids: Sequence[Hashable]) -> dict[Hashable, tuple[str, ...]]:
        """A link set's id is its tuple of nodes, carried by each edge."""
        return {links: links for links in ids if isinstance(links, tuple)}


def _after_name(after: Position | None) -> dict[str, str]:
    """From the start, a position before every name: the empty sort key and order."""
    name, key = after or ("", "")
    return {"sort": sort_key(name) if after else "", "order": ordered(key)}


def _edges_to(target: str) -> str:
    return INDUSTRY_EDGE if target.startswith(f"{INDUSTRY}/") else LOCATE
