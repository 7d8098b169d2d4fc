"""Fakes of our own ports, for fast service tests (the real adapters have their own tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from main.service.model import Place
from main.service.ports import Geocoder

TEL_AVIV = Place("IL", "Israel", None, None, "IL-tel-aviv", "Tel Aviv", 32.08, 34.78)
SANTA_CLARA = Place(
    "US", "United States", "US-CA", "California", "US-CA-santa-clara", "Santa Clara", 37.35, -121.96
)
BERLIN = Place("DE", "Germany", "DE-BE", "Berlin", "DE-berlin", "Berlin", 52.52, 13.40)


class FakeGeocoder(Geocoder):
    """Knows three cities by their text; counts calls; can be switched off to act as an outage."""

    PLACES = {"tel aviv": TEL_AVIV, "santa clara": SANTA_CLARA, "berlin": BERLIN}

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def resolve(self, location: str | Mapping[str, Any] | None) -> Place:
        self.calls.append(location)
        text = location if isinstance(location, str) else (location or {}).get("city") or ""
        return self.PLACES.get(text.split(",")[0].strip().lower(), Place(raw=text or None))
