"""The store's lists (search, a place's companies, places by size), each bounded whatever the hubs.

Every list walks one index that holds it, from where the last page ended (keyset
paging), and stops after a page, so page 10,000 costs what page 1 costs, and a page
is short only at the list's end:

* companies with no filter: the name index of `node`;
* companies of a place or industry: its edges, in name order (`edge.sort`);
* companies of a place and an industry: their pair's rows (`place_industry`), in
  name order; a city stands for its country;
* companies by words, with any filters: the FTS5 index, whose terms are the
  names' words and the companies' filter keys, in its own order (rowid: the order
  companies were first stored);
* places and industries: `node_degree` by size.

Totals are exact where a count is kept on write (companies in all, per place or
industry, per pair, places per collection); a word search's are counted in the
word index, exact up to `WORD_COUNT_LIMIT` and a lower bound beyond.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from main.resources.sqlite.terms import MAX_PREFIX, filter_term, name_words
from main.service.kept import Kept, remembered
from main.service.keys import CITY, COMPANY, COUNTRY, INDUSTRY, node_id
from main.service.model import Page, Position, SearchQuery, Window
from main.service.paging import START, Anchors
from main.service.paging import scan as scan_list

# A word search's total, counted in the word index: exact up to here, a lower bound beyond.
WORD_COUNT_LIMIT = 1_000
# A word longer than the indexed prefixes is searched as the words it starts, up to this many
# (beyond, as a prefix FTS5 gathers eagerly: terms)
STARTED_WORDS_LIMIT = 64

# rows as tuples: sqlite3.Row cost ~0.45 us more a row (201 rows of a hub's draw: 297 -> 387 us)
Read = Callable[[str, Sequence[Any]], list[tuple]]


def filter_targets(query: SearchQuery) -> list[str] | None:
    """The node ids a search's companies must all link to: its place, then its industry. A city
    key names its country (keys.city_key), so a city stands for its country too, and no
    company is in a city of another country (None)."""
    places = []
    if query.city:
        if query.country and not query.city.startswith(f"{query.country}-"):
            return None
        places.append(node_id(CITY, query.city))
    elif query.country:
        places.append(node_id(COUNTRY, query.country))
    return places + ([node_id(INDUSTRY, query.industry)] if query.industry else [])


def search(read: Read, query: SearchQuery, kept: Kept | None = None) -> Page:
    """From the one index that holds the combination, so every page is full but the last:
    words (with or without filters) from the word index, a place and an industry from
    their pair's index, one filter from its node's edges, nothing from the names.
    `kept`: where pages by number of these lists began before (see Anchors)."""
    targets = filter_targets(query)
    window = query.window
    if targets is None:
        return Page([], window.per_page, 0, offset=window.offset)
    if query.q is not None:
        return _by_words(read, query.q, targets, window, kept)
    if not targets:
        return _all_companies(read, window, tally(read, "Company"), kept)
    if len(targets) == 1:
        return companies_of(read, targets[0], window, kept)
    place, industry = targets
    counted = read(
        "SELECT companies FROM place_industry_degree WHERE place = ? AND industry = ?", (place, industry)
    )
    return _by_name(
        read,
        "place_industry WHERE place = ? AND industry = ?",
        (place, industry),
        window,
        counted[0][0] if counted else 0,
        Anchors(kept, ("pair", place, industry)) if kept is not None else None,
    )


def tally(read: Read, name: str) -> int:
    """A count kept on write: companies in all ('Company'), or the places of a collection."""
    rows = read("SELECT count FROM tally WHERE name = ?", (name,))
    return rows[0][0] if rows else 0


def companies_of(read: Read, target: str, window: Window, kept: Kept | None = None) -> Page:
    """The companies linked to a node, by name, from its edges (counted on write)."""
    counted = read("SELECT companies FROM node_degree WHERE id = ?", (target,))
    return _by_name(
        read,
        "edge WHERE to_id = ?",
        (target,),
        window,
        counted[0][0] if counted else 0,
        Anchors(kept, ("edge", target)) if kept is not None else None,
    )


def _by_name(
    read: Read, source: str, params: tuple, window: Window, total: int, anchors: Anchors | None
) -> Page:
    """A page of an index of (sort, from_id) under `source` (a table and its equalities on the
    index's first columns), with the count kept for it on write."""

    def fetch(after: Position, size: int, skip: int) -> list[tuple[Position, str]]:
        # from the start, no position to compare: SQLite skips a page number's offset twice as
        # fast without the row value (a hub's page 250: 408 -> 195 us)
        beyond = " AND (sort, from_id) > (?, ?)" if after != START else ""
        rows = read(
            f"SELECT sort, from_id FROM {source}{beyond} ORDER BY sort, from_id LIMIT ? OFFSET ?",
            (*params, *(after if beyond else ()), size, skip),
        )
        return [((name, company), company) for name, company in rows]

    scan = scan_list(fetch, window.after or START, window, anchors)
    items = in_order(read, [company for _, company in scan.page])
    return Page(items, window.per_page, total, True, scan.next_after, window.offset)


def _all_companies(read: Read, window: Window, total: int, kept: Kept | None = None) -> Page:
    def fetch(after: Position, size: int, skip: int) -> list[tuple[Position, str]]:
        # not a row value: SQLite seeks the index only on a plain range of the collated name;
        # from the start, no range at all (as in _by_name)
        beyond = (
            " AND name COLLATE NOCASE >= ? AND (name COLLATE NOCASE > ? OR key > ?)" if after != START else ""
        )
        rows = read(
            "SELECT name, key FROM node WHERE collection = 'Company'"
            + beyond
            + " ORDER BY name COLLATE NOCASE, key LIMIT ? OFFSET ?",
            (*((after[0], after[0], after[1]) if beyond else ()), size, skip),
        )
        return [((name, key), node_id(COMPANY, key)) for name, key in rows]

    anchors = Anchors(kept, ("all",)) if kept is not None else None
    scan = scan_list(fetch, window.after or START, window, anchors)
    items = in_order(read, [company for _, company in scan.page])
    return Page(items, window.per_page, total, True, scan.next_after, window.offset)


def _by_words(read: Read, q: str, targets: list[str], window: Window, kept: Kept | None = None) -> Page:
    """Companies whose name has a word starting with each word of `q`, linked to every target,
    in the word index's order (rowid: the order companies were first stored). Words and
    filter keys are all terms of one FTS5 query (terms), so FTS5 intersects their
    posting lists."""
    match = _match(read, name_words(q), targets)
    if match is None:
        return Page([], window.per_page, 0, offset=window.offset)

    def fetch(after: Position, size: int, skip: int) -> list[tuple[Position, str]]:
        rows = read(
            "SELECT f.rowid, n.id FROM (SELECT rowid FROM company_name WHERE company_name MATCH ?"
            " AND rowid > ? ORDER BY rowid LIMIT ? OFFSET ?) f JOIN node n ON n.rowid = f.rowid",
            (match, after[0], size, skip),
        )
        # sorted here: the window is small, and SQLite would sort it in a temporary b-tree
        return sorted(((rowid,), company) for rowid, company in rows)

    anchors = Anchors(kept, ("words", match)) if kept is not None else None
    scan = scan_list(fetch, window.after or (0,), window, anchors)
    items = in_order(read, [company for _, company in scan.page])
    total, exact = scan.total, scan.exact and window.after is None
    if not exact:  # a cursor's page knows only how many follow it
        counted = remembered(kept, ("count", match), lambda: _count(read, match, WORD_COUNT_LIMIT + 1))
        total, exact = max(total, min(counted, WORD_COUNT_LIMIT)), counted <= WORD_COUNT_LIMIT
    return Page(items, window.per_page, total, exact, scan.next_after, window.offset)


def _match(read: Read, words: list[str], targets: list[str]) -> str | None:
    """The FTS5 query of these words and filters; None when nothing can match (no words, or a
    long word that starts no word of any name). A word of up to MAX_PREFIX letters is a
    prefix the index holds; a longer one, the words of the names it starts (`long_word`)."""
    if not words:
        return None
    terms = []
    for word in words:
        if len(word) <= MAX_PREFIX:
            terms.append(f'"{word}"*')
            continue
        started = [
            row[0]
            for row in read(
                "SELECT word FROM long_word WHERE word >= ? AND word < ? ORDER BY word LIMIT ?",
                (word, word + "\U0010ffff", STARTED_WORDS_LIMIT + 1),
            )
        ]
        if not started:
            return None
        many = len(started) > STARTED_WORDS_LIMIT
        terms.append(f'"{word}"*' if many else "(" + " OR ".join(f'"{each}"' for each in started) + ")")
    if targets:  # a place with an industry: their pair's term
        terms.append(f'terms : "{filter_term(*targets)}"')
    return " AND ".join(terms)


def _count(read: Read, match: str, limit: int) -> int:
    """How many names match, counted up to `limit` (lazily where every term is indexed)."""
    return read(
        "SELECT count(*) FROM (SELECT rowid FROM company_name WHERE company_name MATCH ? LIMIT ?)",
        (match, limit),
    )[0][0]


# Where a list of places, largest first, starts: (companies, id), both descending
PLACES_START: Position = (2**62, "\U0010ffff")


def places(read: Read, collection: str, window: Window, kept: Kept | None = None) -> Page:
    """Nodes of a collection by their company count, largest first (ties: key, descending).
    The page is found on the count index alone, from the nearest anchor (`kept`), and only
    its nodes are read: joined before the offset, every node skipped was read too (page 50
    of the cities at a million companies: ~1 ms)."""

    def fetch(after: Position, size: int, skip: int) -> list[tuple[Position, int]]:
        rows = read(
            "SELECT companies, id FROM node_degree"
            " WHERE collection = ? AND companies > 0 AND (companies, id) < (?, ?)"
            " ORDER BY companies DESC, id DESC LIMIT ? OFFSET ?",
            (collection, *after, size, skip),
        )
        return [((companies, node), companies) for companies, node in rows]

    anchors = Anchors(kept, ("places", collection)) if kept is not None else None
    scan = scan_list(fetch, window.after or PLACES_START, window, anchors)
    found = docs(read, [node for (_, node), _ in scan.page])
    items = [{**found[node], "companies": companies} for (_, node), companies in scan.page if node in found]
    return Page(items, window.per_page, tally(read, collection), True, scan.next_after, window.offset)


def docs(read: Read, node_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The documents of these nodes, by id, in one statement."""
    if not node_ids:
        return {}
    rows = read(
        "SELECT id, props FROM node WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(node_ids),)
    )
    return {node: orjson.loads(props) for node, props in rows}


def in_order(read: Read, company_ids: list[str]) -> list[bytes]:
    """A page's companies as clients read them, in the page's order."""
    found = bodies(read, company_ids)
    return [found[company] for company in company_ids if company in found]


def bodies(read: Read, company_ids: list[str]) -> dict[str, bytes]:
    """These companies as clients read them, by id, in one statement (one index each: the
    bodies are a table of their own, keyed by id, where a document is two)."""
    if not company_ids:
        return {}
    rows = read(
        "SELECT id, body FROM company_body WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(company_ids),),
    )
    return dict(rows)
