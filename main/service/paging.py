"""Walking a list a page at a time: from a position (keyset) or a page number.

A store says what each list reads (an index that holds the list, from a position);
this module how a page is taken from it, whatever the list and the store: the page and one more row
to know there is more, the position to go on from, how many rows were seen, and where
a page by number starts (Anchors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from main.service.kept import Kept
from main.service.model import Position, Window

ANCHOR_EVERY = 500

# Rows of a list from a position (None: its start), `size` of them after skipping `skip`
Fetch = Callable[[Position | None, int, int], list[tuple[Position, Any]]]


@dataclass(frozen=True)
class Anchors:
    """Where every ANCHOR_EVERY-th item of one list lies, kept while the file is unchanged
    (kept): a page by number deep into a hub skipped up to 10,000 index entries each
    time (a random page of the US hub at a million: ~0.4 ms); from the nearest anchor it
    skips fewer than ANCHOR_EVERY."""

    kept: Kept
    list_key: tuple

    def before(self, fetch: Fetch, offset: int) -> tuple[Position | None, int]:
        """Where to go on from for the item at `offset`, and how many items to skip from there."""
        nth = offset // ANCHOR_EVERY
        if nth == 0:
            return None, offset
        anchor = self.kept.get_or_make((self.list_key, nth), lambda: self._find(fetch, nth))
        if anchor is None:
            return None, offset
        return anchor, offset - nth * ANCHOR_EVERY

    def _find(self, fetch: Fetch, nth: int) -> Position | None:
        """The position of the item just before item `nth * ANCHOR_EVERY` (None past the end),
        in one read from the nearest anchor kept below it, else from the start: while another
        process keeps committing, nothing stays kept, and a page costs what it cost before."""
        previous: Position | None = None
        skip = nth * ANCHOR_EVERY - 1
        for lower in range(nth - 1, 0, -1):
            anchor = self.kept.peek((self.list_key, lower))
            if anchor is not None:
                previous, skip = anchor, (nth - lower) * ANCHOR_EVERY - 1
                break
        rows = fetch(previous, 1, skip)
        return rows[0][0] if rows else None


class Scan(NamedTuple):
    """A page; where to go on from; how many rows the list holds up to the page's end from
    the start position (the whole list when `exact`, else a lower bound)."""

    page: list[tuple[Position, Any]]
    next_after: Position | None
    total: int
    exact: bool


def scan(fetch: Fetch, window: Window, anchors: Anchors | None = None) -> Scan:
    """A page after the window's cursor, or at its offset, and one more row to know there is
    more. The store skips the offset itself, from the nearest anchor: a page number deep
    into a hub cost 17 ms building the rows it skipped in Python (bench/http)."""
    after, skip = window.after, window.offset
    if anchors is not None and window.after is None:
        after, skip = anchors.before(fetch, window.offset)
    rows = fetch(after, window.per_page + 1, skip)
    page = rows[: window.per_page]
    more = len(rows) > window.per_page
    # past the end, how far the list reaches is not known from here
    exact = not more and bool(rows or not window.offset)
    return Scan(page, page[-1][0] if more else None, window.offset + len(rows), exact)
