"""The store's lists (search, a place's companies, places by size), each bounded whatever the hubs.

Every list walks one index from where the last page ended (keyset paging) and
stops after a page, so page 10,000 costs what page 1 costs:

* companies with no filter: the name index of `node`;
* companies of a place or industry, or of several: the edges of the *smallest*
  of them (counted on write in `node_degree`), in name order (`edge.sort`), each
  candidate checked against the other filters by primary key;
* companies by words: the FTS5 index in its own order (rowid: the order companies
  were first stored), the filters checked the same way;
* places and industries: `node_degree` by size.

Where candidates are checked, at most `SCAN_LIMIT` (sqlite_paging) are examined per request: a
page may then come back short, with a position to go on from, as DynamoDB does
with a filter. Totals are exact where the counters give them (companies in all,
per place, places per collection), a word search's up to `WORD_COUNT_LIMIT`, and
otherwise the number found so far, flagged as a lower bound.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from main.resources.sqlite_kept import Kept, remembered
from main.resources.sqlite_paging import START, Anchors
from main.resources.sqlite_paging import scan as scan_list
from main.service.keys import CITY, COMPANY, COUNTRY, INDUSTRY, INDUSTRY_EDGE, LOCATE, node_id
from main.service.model import Page, Position, SearchQuery, Window

TOKEN = re.compile(r"[^\W_]+")
# The longest word prefix the word index holds (sqlite_schema: prefix='1 2 3 4 5 6'); a longer
# word is searched by its first six letters and checked on the name.
MAX_PREFIX = 6
# A word search's total, counted in the word index: exact up to here, a lower bound beyond.
WORD_COUNT_LIMIT = 1_000
# Matches of the words read to plan a search with filters (see _estimate).
SAMPLE = 500

# rows as tuples: sqlite3.Row cost ~0.45 us more a row (201 rows of a hub's draw: 297 -> 387 us)
Read = Callable[[str, Sequence[Any]], list[tuple]]


def filter_targets(query: SearchQuery) -> list[tuple[str, str]]:
    """(edge kind, node id) of each filter of `query`."""
    targets = []
    if query.country:
        targets.append((LOCATE, node_id(COUNTRY, query.country)))
    if query.city:
        targets.append((LOCATE, node_id(CITY, query.city)))
    if query.industry:
        targets.append((INDUSTRY_EDGE, node_id(INDUSTRY, query.industry)))
    return targets


def search(read: Read, query: SearchQuery, kept: Kept | None = None) -> Page:
    """`kept`: where pages by number of these lists began before (see Anchors)."""
    targets = filter_targets(query)
    if query.q is not None:
        return _by_words(read, query.q, targets, query.window, kept)
    if not targets:
        return _all_companies(read, query.window, tally(read, "Company"), kept)
    return companies_of(read, targets, query.window, kept=kept)


def tally(read: Read, name: str) -> int:
    """A count kept on write: companies in all ('Company'), or the places of a collection."""
    rows = read("SELECT count FROM tally WHERE name = ?", (name,))
    return rows[0][0] if rows else 0


def companies_of(
    read: Read,
    targets: list[tuple[str, str]],
    window: Window,
    words: list[str] | None = None,
    degrees: dict[str, int] | None = None,
    kept: Kept | None = None,
) -> Page:
    """Companies linked to every target (and named by `words`), by name: driven by the smallest
    target, the other targets checked by key and the words on the name. `degrees`: the targets'
    counts, when the caller has read them already."""
    degrees = _degrees(read, targets) if degrees is None else degrees
    if any(degrees.get(target, 0) <= 0 for _, target in targets):
        return Page([], window.per_page, 0, offset=window.offset)
    driver = min((t for _, t in targets), key=lambda t: (degrees[t], t))
    checks = [(kind, target) for kind, target in targets if target != driver]

    def fetch(after: Position, size: int, skip: int) -> list[tuple[Position, bool, str]]:
        # from the start, no position to compare: SQLite skips a page number's offset twice as
        # fast without the row value (a hub's page 250: 408 -> 195 us)
        beyond = " AND (e.sort, e.from_id) > (?, ?)" if after != START else ""
        rows = read(
            "SELECT e.sort, e.from_id, " + _all_hold(checks, "e.from_id") + " FROM edge e"
            " WHERE e.to_id = ?" + beyond + " ORDER BY e.sort, e.from_id LIMIT ? OFFSET ?",
            (*_check_params(checks), driver, *(after if beyond else ()), size, skip),
        )
        return [
            ((name, company), bool(hit) and (words is None or named_by(name, words)), company)
            for name, company, hit in rows
        ]

    checked = bool(checks) or words is not None
    anchors = Anchors(kept, ("edge", driver)) if kept is not None and not checked else None
    scan = scan_list(fetch, window.after or START, window, checked, anchors)
    items = in_order(read, [company for _, company in scan.page])
    if checked:
        return Page(items, window.per_page, scan.total, scan.exact, scan.next_after, window.offset)
    return Page(items, window.per_page, degrees[driver], True, scan.next_after, window.offset)


def _degrees(read: Read, targets: list[tuple[str, str]]) -> dict[str, int]:
    return dict(
        read(
            "SELECT id, companies FROM node_degree WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([t for _, t in targets]),),
        )
    )


def _all_hold(checks: list[tuple[str, str]], company: str) -> str:
    if not checks:
        return "1"
    return " AND ".join(
        f"EXISTS (SELECT 1 FROM edge c WHERE c.from_id = {company} AND c.kind = ? AND c.to_id = ?)"
        for _ in checks
    )


def _check_params(checks: list[tuple[str, str]]) -> list[str]:
    return [part for check in checks for part in check]


def _all_companies(read: Read, window: Window, total: int, kept: Kept | None = None) -> Page:
    def fetch(after: Position, size: int, skip: int) -> list[tuple[Position, bool, str]]:
        # not a row value: SQLite seeks the index only on a plain range of the collated name;
        # from the start, no range at all (as in companies_of)
        beyond = (
            " AND name COLLATE NOCASE >= ? AND (name COLLATE NOCASE > ? OR key > ?)" if after != START else ""
        )
        rows = read(
            "SELECT name, key FROM node WHERE collection = 'Company'"
            + beyond
            + " ORDER BY name COLLATE NOCASE, key LIMIT ? OFFSET ?",
            (*((after[0], after[0], after[1]) if beyond else ()), size, skip),
        )
        return [((name, key), True, node_id(COMPANY, key)) for name, key in rows]

    anchors = Anchors(kept, ("all",)) if kept is not None else None
    scan = scan_list(fetch, window.after or START, window, False, anchors)
    items = in_order(read, [company for _, company in scan.page])
    return Page(items, window.per_page, total, True, scan.next_after, window.offset)


def _by_words(
    read: Read, q: str, targets: list[tuple[str, str]], window: Window, kept: Kept | None = None
) -> Page:
    """Companies whose name has a word starting with each word of `q`.

    Planned from the most selective side: the word index when it holds fewer matches
    (estimated) than the smallest filter (its own order: rowid, the order companies were
    first stored), else that filter in name order with the words checked on each name.
    A cursor keeps the plan it was made by (its shape says which).
    """
    words = name_words(q)
    if not words:
        return Page([], window.per_page, 0, offset=window.offset)
    match = " ".join(f'"{word[:MAX_PREFIX]}"*' for word in words)
    if targets:
        degrees = _degrees(read, targets)
        smallest = min(degrees.get(target, 0) for _, target in targets)
        if smallest <= 0:
            return Page([], window.per_page, 0, offset=window.offset)
        by_name = (
            len(window.after) == 2
            if window.after
            else remembered(kept, ("estimate", match), lambda: _estimate(read, match)) >= smallest
        )
        if by_name:
            return companies_of(read, targets, window, words, degrees, kept)
    long_words = any(len(word) > MAX_PREFIX for word in words)

    def fetch(after: Position, size: int, skip: int) -> list[tuple[Position, bool, str]]:
        rows = read(
            "SELECT f.rowid, " + _all_hold(targets, "n.id") + ", n.name, n.id"
            " FROM (SELECT rowid FROM company_name WHERE company_name MATCH ? AND rowid > ?"
            " ORDER BY rowid LIMIT ? OFFSET ?) f JOIN node n ON n.rowid = f.rowid",
            (*_check_params(targets), match, after[0], size, skip),
        )
        # sorted here: the window is small, and SQLite would sort it in a temporary b-tree
        return sorted(
            ((rowid,), bool(hit) and (not long_words or named_by(name, words)), company)
            for rowid, hit, name, company in rows
        )

    checked = bool(targets) or long_words
    anchors = Anchors(kept, ("words", match)) if kept is not None and not checked else None
    scan = scan_list(fetch, window.after or (0,), window, checked, anchors)
    items = in_order(read, [company for _, company in scan.page])
    total, exact = scan.total, scan.exact
    if not checked and not exact:
        counted = remembered(kept, ("count", match), lambda: _count(read, match, WORD_COUNT_LIMIT + 1))
        total, exact = min(counted, WORD_COUNT_LIMIT), counted <= WORD_COUNT_LIMIT
    return Page(items, window.per_page, total, exact, scan.next_after, window.offset)


def _estimate(read: Read, match: str) -> float:
    """How many names match: exact when fewer than `SAMPLE`, else extrapolated from how far
    into the index (by rowid) the first `SAMPLE` matches reach. The same small cost whatever
    the word: the plan needs an order of magnitude, not a count of a hub."""
    last, counted = read(
        "SELECT max(rowid), count(*) FROM"
        " (SELECT rowid FROM company_name WHERE company_name MATCH ? ORDER BY rowid LIMIT ?)",
        (match, SAMPLE),
    )[0]
    if counted < SAMPLE:
        return counted
    top = read("SELECT max(rowid) FROM node", ())[0][0]
    return counted * top / last


def _count(read: Read, match: str, limit: int) -> int:
    """How many names match, counted up to `limit` (lazily: every prefix searched is indexed)."""
    return read(
        "SELECT count(*) FROM (SELECT rowid FROM company_name WHERE company_name MATCH ? LIMIT ?)",
        (match, limit),
    )[0][0]


def name_words(text: str) -> list[str]:
    """The words of `text` as the FTS5 tokenizer (unicode61, remove_diacritics 2) reads them:
    lower case, accents dropped, split on anything that is not a letter or a digit."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return TOKEN.findall("".join(c for c in decomposed if not unicodedata.combining(c)))


def named_by(name: str, words: list[str]) -> bool:
    """Whether each of `words` starts a word of `name`: the search's rule, checked in Python."""
    tokens = name_words(name)
    return all(any(token.startswith(word) for token in tokens) for word in words)


# Where a list of places, largest first, starts: (companies, id), both descending
PLACES_START: Position = (2**62, "\U0010ffff")


def places(read: Read, collection: str, window: Window, kept: Kept | None = None) -> Page:
    """Nodes of a collection by their company count, largest first (ties: key, descending).
    The page is found on the count index alone, from the nearest anchor (`kept`), and only
    its nodes are read: joined before the offset, every node skipped was read too (page 50
    of the cities at a million companies: ~1 ms)."""

    def fetch(after: Position, size: int, skip: int) -> list[tuple[Position, bool, int]]:
        rows = read(
            "SELECT companies, id FROM node_degree"
            " WHERE collection = ? AND companies > 0 AND (companies, id) < (?, ?)"
            " ORDER BY companies DESC, id DESC LIMIT ? OFFSET ?",
            (collection, *after, size, skip),
        )
        return [((companies, node), True, companies) for companies, node in rows]

    anchors = Anchors(kept, ("places", collection)) if kept is not None else None
    scan = scan_list(fetch, window.after or PLACES_START, window, False, anchors)
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
