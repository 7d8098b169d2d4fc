"""Resolve the locations of events, each distinct location once, through a TTL cache.

Later tiers (the graph's own places, memcached, a rate-limited fan-out to
LocationIQ) plug in here without touching the sync use case.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from main.service.cache import LocalCache
from main.service.model import Place
from main.service.ports import Geocoder
from main.util.timing import timed

Location = str | Mapping[str, Any] | None


def location_key(location: Location) -> str:
    if location is None or isinstance(location, str):
        return " ".join((location or "").split()).lower()
    return json.dumps(location, sort_keys=True).lower()


class PlaceResolver:
    def __init__(self, geocoder: Geocoder, cache: LocalCache) -> None:
        self.geocoder = geocoder
        self.cache = cache

    @timed("resolve places")
    def resolve_many(self, locations: Iterable[Location]) -> dict[str, Place]:
        """Places by `location_key`; the same location asked by many events costs one lookup."""
        wanted = {location_key(loc): loc for loc in locations}
        return {
            key: self.cache.get_or_load(key, lambda loc=loc: self.geocoder.resolve(loc))
            for key, loc in wanted.items()
        }
