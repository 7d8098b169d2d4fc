"""Company lookups for the API, served through the in-process cache tier.

Single companies live in an LRU/TTL cache invalidated by key, over the shared
tier (memcached) when there is one; lists (search, places) in a short TTL cache
cleared on any change this process applies. Every lookup first reads the store's
generation (SQLite's data_version: about a microsecond): when another process
has committed since, both local caches are dropped, so a change, a delete
included, is served by every process as soon as it is committed, and the TTL
only bounds what the shared tier may still hold. Misses are never cached, so a
company created a moment ago is found at once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from main.service import keys
from main.service.cache import MISSING, LocalCache
from main.service.errors import NotFound
from main.service.listing import Listing
from main.service.model import Neighbourhood, Page, SearchQuery, Window
from main.service.ports import GraphStore, SharedCache
from main.service.related import Neighbours
from main.util.timing import timed

RELATED_LIMIT = 20
NEIGHBOURS_PER_NODE = 50


@dataclass(frozen=True)
class Rendered:
    """A company as the API writes it, encoded once per change, with the ETag of those bytes."""

    body: bytes
    etag: str


class CompanyLookup:
    def __init__(
        self,
        store: GraphStore,
        companies: LocalCache,
        lists: LocalCache,
        shared: SharedCache | None = None,
        render: Callable[[dict[str, Any]], bytes] | None = None,
        rendered: LocalCache | None = None,
    ) -> None:
        self.store = store
        self.listing = Listing(store)
        self.neighbours = Neighbours(store)
        self.companies = companies
        self.lists = lists
        self.shared = shared
        self.render = render
        self.rendered = rendered
        # per thread: the store's generation is read on each thread's own connection, and
        # SQLite's data_version of one connection says nothing about another's
        self._seen = threading.local()

    def _drop_if_changed(self) -> None:
        generation = self.store.generation()
        if generation is not None and generation != getattr(self._seen, "generation", None):
            self._seen.generation = generation
            self.companies.clear()
            self.lists.clear()
            if self.rendered is not None:
                self.rendered.clear()

    @timed("get company")
    def get(self, company_id: str) -> dict[str, Any]:
        self._drop_if_changed()
        return self._company(_key(company_id))

    def _company(self, key: str) -> dict[str, Any]:
        company = self.companies.get_or_load(key, lambda: self._shared_or_store(key))
        if company is None:
            raise NotFound("company", key)
        return company

    def get_rendered(self, company_id: str) -> Rendered:
        """The hot path: on a hit, the bytes as they were encoded, no marshalling and no JSON
        encoding; the ETag lets a client that has them get a 304 instead."""
        if self.render is None or self.rendered is None:
            raise RuntimeError("this lookup was built without a renderer")
        self._drop_if_changed()
        key = _key(company_id)
        return self.rendered.get_or_load(key, lambda: self._render(key), _always)

    def _render(self, key: str) -> Rendered:
        """From the shared tier or the store, not through `companies`: the bytes are what is
        kept, and a second copy of each company as a dict was ~4 MB of a worker under
        uncached lookups (bench/http at a million companies)."""
        company = self._shared_or_store(key)
        if company is None:
            raise NotFound("company", key)
        body = self.render(company)
        return Rendered(body, hashlib.sha1(body, usedforsecurity=False).hexdigest()[:20])

    def _shared_or_store(self, key: str) -> dict[str, Any] | None:
        if self.shared is not None:
            company = self.shared.get(f"company:{key}")
            if company is not MISSING:
                return company
        company = self.store.get_company(key)
        if company is not None and self.shared is not None:
            self.shared.set(f"company:{key}", company)
        return company

    @timed("search companies")
    def search(self, query: SearchQuery) -> Page:
        self._drop_if_changed()
        return self.lists.get_or_load(("search", query), lambda: self.listing.search(query), _always)

    def related(self, company_id: str, limit: int = RELATED_LIMIT) -> list[dict[str, Any]]:
        """Without reading the company first (a miss, for most, was a tenth of a related list
        at a million companies): the ranking says whether the company exists."""
        key = _key(company_id)
        found = self.neighbours.related(key, limit)
        if found is None:
            raise NotFound("company", key)
        return found

    def neighbourhood(self, company_id: str, depth: int) -> Neighbourhood:
        key = self.get(company_id)["id"]
        return self.neighbours.neighbourhood(key, depth, NEIGHBOURS_PER_NODE)

    def places(self, collection: str, window: Window) -> Page:
        self._drop_if_changed()
        return self.lists.get_or_load(
            ("places", collection, window), lambda: self.listing.places(collection, window), _always
        )

    def place_companies(self, collection: str, key: str, window: Window) -> Page:
        result = self.listing.place_companies(collection, key, window)
        if result is None:
            raise NotFound(collection.lower(), key)
        return result

    def invalidate(self, company_keys: Collection[str]) -> None:
        """Called by the sync use case after each batch, with the companies it changed: this
        process's tiers at once, the shared tier for every process (which then see the change
        within their local TTL)."""
        if not company_keys:
            return
        for key in company_keys:
            self.companies.delete(key)
            if self.rendered is not None:
                self.rendered.delete(key)
        self.lists.clear()
        if self.shared is not None:
            self.shared.delete_many([f"company:{key}" for key in company_keys])


def _key(company_id: str) -> str:
    try:
        return keys.company_key(company_id)
    except ValueError as exc:
        raise NotFound("company", company_id) from exc


def _always(_value: object) -> bool:
    return True
