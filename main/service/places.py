"""Resolve the locations of a batch of events before its transaction starts (no network inside one).

Tiers, cheapest first: this process's TTL cache; memcached (when configured);
places resolved before and kept
in the graph store (so a place is never asked upstream twice, across restarts);
then the geocoder, the distinct missing locations fanned out over a bounded
thread pool (the geocoder's own rate limiter paces them). The same location asked
by a hundred events costs one lookup. A geocoder failure never fails the event:
its location stays raw text, is not remembered, and can be re-resolved later.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

from main.service.cache import MISSING, LocalCache
from main.service.errors import GeocoderMisconfigured
from main.service.model import Place
from main.service.ports import Geocoder, PlaceMemory, SharedCache
from main.util.threads import background_pool, in_this_context
from main.util.timing import timed

log = logging.getLogger(__name__)

Location = str | Mapping[str, Any] | None


def location_key(location: Location) -> str:
    if location is None or isinstance(location, str):
        return " ".join((location or "").split()).lower()
    return json.dumps(location, sort_keys=True).lower()


class PlaceResolver:
    def __init__(
        self,
        geocoder: Geocoder,
        cache: LocalCache,
        store: PlaceMemory | None = None,
        shared: SharedCache | None = None,
    ) -> None:
        self.geocoder = geocoder
        self.cache = cache
        self.store = store
        self.shared = shared
        self.failures = 0
        self._pool = background_pool(geocoder.concurrency, "geocode")

    @timed("resolve places")
    def resolve_many(self, locations: Iterable[Location]) -> dict[str, Place]:
        """Places by `location_key`, each distinct location looked up at most once."""
        wanted = {location_key(loc): loc for loc in locations}
        found: dict[str, Place] = {}
        for key in wanted:
            cached = self.cache.get(key)
            if cached is not MISSING:
                found[key] = cached
        missing = [key for key in wanted if key not in found]
        if missing and self.shared is not None:
            for key in missing:
                shared = self.shared.get(f"place:{key}")
                if shared is not MISSING:
                    found[key] = Place(**shared)
                    self.cache.set(key, found[key])
            missing = [key for key in missing if key not in found]
        if missing and self.store is not None:
            for key, place in self.store.known_places(missing).items():
                found[key] = place
                self.cache.set(key, place)
            missing = [key for key in missing if key not in found]
        if missing:
            lookup = in_this_context(lambda k: self._lookup(wanted[k]))
            looked_up = dict(zip(missing, self._pool.map(lookup, missing), strict=True))
            fresh = {key: place for key, (place, keep) in looked_up.items() if keep}
            for key, place in fresh.items():
                self.cache.set(key, place)
                if self.shared is not None:
                    self.shared.set(f"place:{key}", asdict(place))
            if fresh and self.store is not None:
                self.store.remember_places(fresh)
            found.update((key, place) for key, (place, _) in looked_up.items())
        return found

    def _lookup(self, location: Location) -> tuple[Place, bool]:
        """(place, worth keeping); a failure gives the raw text back and is not kept."""
        try:
            return self.geocoder.resolve(location), True
        except GeocoderMisconfigured as exc:
            log.error("geocoder misconfigured, location kept raw: %s", exc)
        except Exception as exc:  # the event must go on whatever the geocoder does
            log.warning("geocoder failed, location kept raw: %r", exc)
        self.failures += 1
        text = (
            location
            if isinstance(location, str)
            else ", ".join(str(v) for v in (location or {}).values() if v)
        )
        return Place(raw=text or None), False
