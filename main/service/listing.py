"""The lists the API shows (a search, a place's companies, places by size): which of a store's
indexes answers each request, its page, and its total.

Every combination of words and filters is answered from one index that holds it
(GraphReads), so a page is full but the last, and costs about the page however large
the places and industries it names:

* no words, no filter: every company by name;
* one filter: the node's companies by name; a place and an industry: their pair's; a
  city stands for its country (its key names it), and no company is in a city of another
  country;
* words, with any filters: the word index, in its own order.

Totals are exact where a count is kept on write (companies in all, a node, a pair, the
places of a collection); a word search's are counted, exact up to `WORD_COUNT_LIMIT` and a
lower bound beyond. Where each page by number begins (paging.Anchors) and a word search's
count are kept per thread while the store's generation stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from main.service.kept import Kept, PerThread, remembered
from main.service.keys import CITY, COUNTRY, INDUSTRY, node_id
from main.service.model import Page, Position, SearchQuery, Window
from main.service.paging import Anchors, Fetch, scan
from main.service.ports import GraphReads
from main.service.words import name_words

WORD_COUNT_LIMIT = 1_000
# Lists' anchors (a position each) and word searches' counts (a number each): ~1 MB a thread
KEPT = 8_192


def filter_targets(query: SearchQuery) -> list[str] | None:
    """The node ids a search's companies must all link to: its place, then its industry; None
    when no company can match (a city of another country)."""
    places = []
    if query.city:
        if query.country and not query.city.startswith(f"{query.country}-"):
            return None
        places.append(node_id(CITY, query.city))
    elif query.country:
        places.append(node_id(COUNTRY, query.country))
    return places + ([node_id(INDUSTRY, query.industry)] if query.industry else [])


class Listing:
    def __init__(self, store: GraphReads) -> None:
        self.store = store
        self.kept = PerThread(store, {"lists": KEPT})

    def search(self, query: SearchQuery) -> Page:
        targets = filter_targets(query)
        window = query.window
        if targets is None:
            return Page([], window.per_page, 0, offset=window.offset)
        if query.q is not None:
            return self._by_words(name_words(query.q), targets, window)
        if not targets:
            return self._companies(
                self.store.companies_by_name, window, self.store.tally("Company"), ("all",)
            )
        if len(targets) == 1:
            return self.companies_of(targets[0], window)
        place, industry = targets

        def paired(after: Position | None, size: int, skip: int) -> list[tuple[Position, Any]]:
            return self.store.paired(place, industry, after, size, skip)

        return self._companies(paired, window, self.store.pair_degree(place, industry), ("pair", *targets))

    def place_companies(self, collection: str, key: str, window: Window) -> Page | None:
        """The companies of a place or industry, by name; None when there is no such node."""
        target = node_id(collection, key)
        if not self.store.has_node(target):
            return None
        return self.companies_of(target, window)

    def companies_of(self, target: str, window: Window) -> Page:
        """The companies linked to a node, by name."""

        def linked(after: Position | None, size: int, skip: int) -> list[tuple[Position, Any]]:
            return self.store.linked(target, after, size, skip)

        return self._companies(linked, window, self.store.degree(target), ("edge", target))

    def places(self, collection: str, window: Window) -> Page:
        """The nodes of a collection by their company count, largest first: only the page's
        nodes are read, once the page is found on the counts alone."""

        def by_size(after: Position | None, size: int, skip: int) -> list[tuple[Position, Any]]:
            return self.store.places_by_size(collection, after, size, skip)

        page = scan(by_size, window, self._anchors(("places", collection)))
        found = self.store.node_docs([node for (_, node), _ in page.page])
        items = [{**found[node], "companies": count} for (_, node), count in page.page if node in found]
        total = self.store.tally(collection)
        return Page(items, window.per_page, total, True, page.next_after, window.offset)

    def _companies(self, fetch: Fetch, window: Window, total: int, list_key: tuple) -> Page:
        page = scan(fetch, window, self._anchors(list_key))
        items = self._bodies([company for _, company in page.page])
        return Page(items, window.per_page, total, True, page.next_after, window.offset)

    def _by_words(self, words: list[str], targets: list[str], window: Window) -> Page:
        if not words:
            return Page([], window.per_page, 0, offset=window.offset)

        def matching(after: Position | None, size: int, skip: int) -> list[tuple[Position, Any]]:
            return self.store.matching(words, targets, after, size, skip)

        list_key = ("words", tuple(words), tuple(targets))
        kept = self._kept()  # one read of the generation for the page and its count
        page = scan(matching, window, Anchors(kept, list_key) if kept is not None else None)
        items = self._bodies([company for _, company in page.page])
        total, exact = page.total, page.exact and window.after is None
        if not exact:  # a cursor's page knows only how many follow it

            def count() -> int:
                return self.store.count_matching(words, targets, WORD_COUNT_LIMIT + 1)

            counted = remembered(kept, ("count", list_key), count)
            total, exact = max(total, min(counted, WORD_COUNT_LIMIT)), counted <= WORD_COUNT_LIMIT
        return Page(items, window.per_page, total, exact, page.next_after, window.offset)

    def _bodies(self, company_ids: Sequence[str]) -> list[bytes]:
        if not company_ids:
            return []
        found = self.store.company_bodies(company_ids)
        return [found[company] for company in company_ids if company in found]

    def _kept(self) -> Kept | None:
        return self.kept.one("lists")

    def _anchors(self, list_key: tuple) -> Anchors | None:
        kept = self._kept()
        return Anchors(kept, list_key) if kept is not None else None
