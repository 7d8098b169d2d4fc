"""The indexes that hold each list (service/listing.py plans which answers a request), read
from a position and stopped after a page, so page 10,000 costs what page 1 costs:

* every company: the name index of `node`;
* a node's companies: its edges, in name order (`edge.sort`);
* a place's companies in an industry: their pair's rows (`place_industry`), in name order;
* words, with any filters: the FTS5 index, whose terms are the names' words, the
  companies' filter keys and their place-industry pairs (terms.py), in its own order
  (rowid: the order companies were first stored);
* places and industries: `node_degree` by size;
* what related draws from a node: its edges, in name order, each with its company's
  link set (`link_set`, the nodes a company links to).

Counts are kept on write: `tally` (companies in all, places per collection), `node_degree`
and `place_industry_degree`; a word search is counted in the word index, up to a limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import orjson

from main.resources.sqlite.terms import MAX_PREFIX, filter_term
from main.service.keys import COMPANY, node_id
from main.service.model import Position
from main.service.ports import GraphReads, Rows

# A word longer than the indexed prefixes is searched as the words it starts, up to this many
# (beyond, as a prefix FTS5 gathers eagerly: terms)
STARTED_WORDS_LIMIT = 64
# Where a list of places, largest first, starts: (companies, id), both descending
PLACES_START: Position = (2**62, "\U0010ffff")

# rows as tuples: sqlite3.Row cost ~0.45 us more a row (201 rows of a hub's draw: 297 -> 387 us)


class SqliteReads(GraphReads):
    """The read port as SQL, over the store's per-thread connection (`_all`, `_one`)."""

    _all: Callable[[str, Sequence[Any]], list[tuple]]
    _one: Callable[[str, Sequence[Any]], tuple | None]

    def get_company(self, key: str) -> dict[str, Any] | None:
        row = self._one("SELECT props FROM node WHERE id = ?", (node_id(COMPANY, key),))
        return orjson.loads(row[0]) if row else None

    def has_node(self, node_id: str) -> bool:
        return self._one("SELECT 1 FROM node WHERE id = ?", (node_id,)) is not None

    def companies_by_name(self, after: Position | None, size: int, skip: int) -> Rows:
        # not a row value: SQLite seeks the index only on a plain range of the collated name;
        # from the start, no range at all
        beyond = " AND name COLLATE NOCASE >= ? AND (name COLLATE NOCASE > ? OR key > ?)" if after else ""
        rows = self._all(
            "SELECT name, key FROM node WHERE collection = 'Company'"
            + beyond
            + " ORDER BY name COLLATE NOCASE, key LIMIT ? OFFSET ?",
            (*((after[0], after[0], after[1]) if after else ()), size, skip),
        )
        return [((name, key), node_id(COMPANY, key)) for name, key in rows]

    def linked(self, target: str, after: Position | None, size: int, skip: int) -> Rows:
        return self._by_name("edge WHERE to_id = ?", (target,), after, size, skip)

    def paired(self, place: str, industry: str, after: Position | None, size: int, skip: int) -> Rows:
        return self._by_name(
            "place_industry WHERE place = ? AND industry = ?", (place, industry), after, size, skip
        )

    def _by_name(self, source: str, params: tuple, after: Position | None, size: int, skip: int) -> Rows:
        """Rows of an index of (sort, from_id) under `source` (a table and its equalities on the
        index's first columns). From the start, no position to compare: SQLite skips a page
        number's offset twice as fast without the row value (a hub's page 250: 408 -> 195 us)."""
        beyond = " AND (sort, from_id) > (?, ?)" if after else ""
        rows = self._all(
            f"SELECT sort, from_id FROM {source}{beyond} ORDER BY sort, from_id LIMIT ? OFFSET ?",
            (*params, *(after or ()), size, skip),
        )
        return [((name, company), company) for name, company in rows]

    def matching(
        self, words: Sequence[str], targets: Sequence[str], after: Position | None, size: int, skip: int
    ) -> Rows:
        match = self._match(words, targets)
        if match is None:
            return []
        rows = self._all(
            "SELECT f.rowid, n.id FROM (SELECT rowid FROM company_name WHERE company_name MATCH ?"
            " AND rowid > ? ORDER BY rowid LIMIT ? OFFSET ?) f JOIN node n ON n.rowid = f.rowid",
            (match, after[0] if after else 0, size, skip),
        )
        # sorted here: the window is small, and SQLite would sort it in a temporary b-tree
        return sorted(((rowid,), company) for rowid, company in rows)

    def count_matching(self, words: Sequence[str], targets: Sequence[str], limit: int) -> int:
        """Counted up to `limit`, lazily where every term is indexed."""
        match = self._match(words, targets)
        if match is None:
            return 0
        return self._all(
            "SELECT count(*) FROM (SELECT rowid FROM company_name WHERE company_name MATCH ? LIMIT ?)",
            (match, limit),
        )[0][0]

    def _match(self, words: Sequence[str], targets: Sequence[str]) -> str | None:
        """The FTS5 query of these words and filters; None when nothing can match (a long word
        that starts no word of any name). A word of up to MAX_PREFIX letters is a prefix the
        index holds; a longer one, the words of the names it starts (`long_word`); the targets,
        one term (a place, an industry, or their pair)."""
        terms = []
        for word in words:
            if len(word) <= MAX_PREFIX:
                terms.append(f'"{word}"*')
                continue
            started = [
                row[0]
                for row in self._all(
                    "SELECT word FROM long_word WHERE word >= ? AND word < ? ORDER BY word LIMIT ?",
                    (word, word + "\U0010ffff", STARTED_WORDS_LIMIT + 1),
                )
            ]
            if not started:
                return None
            many = len(started) > STARTED_WORDS_LIMIT
            terms.append(f'"{word}"*' if many else "(" + " OR ".join(f'"{each}"' for each in started) + ")")
        if targets:
            terms.append(f'terms : "{filter_term(*targets)}"')
        return " AND ".join(terms)

    def places_by_size(self, collection: str, after: Position | None, size: int, skip: int) -> Rows:
        """Found on the count index alone; the service reads only the page's nodes (joined
        before the offset, every node skipped was read too: page 50 of the cities at a million
        companies, ~1 ms)."""
        rows = self._all(
            "SELECT companies, id FROM node_degree"
            " WHERE collection = ? AND companies > 0 AND (companies, id) < (?, ?)"
            " ORDER BY companies DESC, id DESC LIMIT ? OFFSET ?",
            (collection, *(after or PLACES_START), size, skip),
        )
        return [((companies, node), companies) for companies, node in rows]

    def tally(self, name: str) -> int:
        rows = self._all("SELECT count FROM tally WHERE name = ?", (name,))
        return rows[0][0] if rows else 0

    def degree(self, target: str) -> int:
        rows = self._all("SELECT companies FROM node_degree WHERE id = ?", (target,))
        return rows[0][0] if rows else 0

    def pair_degree(self, place: str, industry: str) -> int:
        rows = self._all(
            "SELECT companies FROM place_industry_degree WHERE place = ? AND industry = ?", (place, industry)
        )
        return rows[0][0] if rows else 0

    def edges_of(self, node: str) -> list[tuple[str, str, int]]:
        rows = self._all(
            "SELECT e.kind, e.to_id, coalesce(d.companies, 1) FROM edge e"
            " LEFT JOIN node_degree d ON d.id = e.to_id WHERE e.from_id = ?",
            (node,),
        )
        return [(kind, target, companies) for kind, target, companies in rows]

    def drawn(self, target: str, count: int) -> list[tuple[str, Hashable]]:
        """From the edges' index alone: each edge carries its company's link set."""
        rows = self._all(
            "SELECT from_id, links FROM edge WHERE to_id = ? ORDER BY sort, from_id LIMIT ?", (target, count)
        )
        return [(company, links) for company, links in rows]

    def link_sets(self, ids: Sequence[Hashable]) -> dict[Hashable, tuple[str, ...]]:
        if not ids:
            return {}
        rows = self._all(
            "SELECT id, targets FROM link_set WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(ids)),),
        )
        return {links: tuple(orjson.loads(targets)) for links, targets in rows}

    def node_docs(self, node_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The documents of these nodes, by id, in one statement."""
        if not node_ids:
            return {}
        rows = self._all(
            "SELECT id, props FROM node WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(node_ids)),),
        )
        return {node: orjson.loads(props) for node, props in rows}

    def company_bodies(self, company_ids: Sequence[str]) -> dict[str, bytes]:
        """These companies as clients read them, by id, in one statement (one index each: the
        bodies are a table of their own, keyed by id, where a document is two)."""
        if not company_ids:
            return {}
        rows = self._all(
            "SELECT id, body FROM company_body WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(list(company_ids)),),
        )
        return dict(rows)
