"""`GEOCODER=offline`: resolve locations as real feeds write them, from the gazetteer alone.

A location is read right to left: country, then state, then the first token that
names a city of that country. Where the last token could be a country or a US
state ('Georgia'), both readings are tried and the one that resolves more wins.
What cannot be resolved is returned as `raw` text, never as an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from main.resources.gazetteer import City, Gazetteer, shared_gazetteer
from main.service.keys import city_key
from main.service.model import Place
from main.service.ports import Geocoder

_PARENTHESES = re.compile(r"\(([^)]*)\)")


@dataclass
class _Reading:
    country: str | None
    state: str | None
    city: City | None
    leftover: list[str]

    @property
    def score(self) -> tuple[int, int]:
        """More resolved parts first, then fewer tokens left over."""
        parts = (self.country is not None) + (self.state is not None) + 2 * (self.city is not None)
        return parts, -len(self.leftover)


class OfflineGeocoder(Geocoder):
    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer or shared_gazetteer()

    def warm(self) -> None:
        self.gazetteer.warm()

    def resolve(self, location: str | Mapping[str, Any] | None) -> Place:
        text = _as_text(location)
        tokens = _tokens(text)
        if not tokens:
            return Place(raw=text or None)
        reading = max(self._readings(tokens), key=lambda r: r.score)
        return self._place(reading, text)

    def _readings(self, tokens: list[str]) -> list[_Reading]:
        """Readings where the text names its country (or a US state); a bare city otherwise."""
        readings = []
        for size in (2, 1):
            if len(tokens) >= size:
                country = self.gazetteer.country(", ".join(tokens[-size:]))
                if country:
                    readings.append(self._within(country, tokens[:-size]))
        us_state = self.gazetteer.subdivision("US", tokens[-1])
        if us_state:
            readings.append(self._within("US", tokens[:-1], us_state, tokens[-1]))
        return readings or [self._anywhere(tokens)]

    def _within(
        self, country: str, tokens: list[str], state: str | None = None, state_token: str | None = None
    ) -> _Reading:
        if state is None and tokens:
            state = self.gazetteer.subdivision(country, tokens[-1])
            if state:
                state_token, tokens = tokens[-1], tokens[:-1]
        city, leftover = self._city(tokens, country, state)
        if city is None and state_token and not leftover:
            city = self._pick(self.gazetteer.cities(state_token), country, state)
        return _Reading(country, state, city, leftover)

    def _anywhere(self, tokens: list[str]) -> _Reading:
        """No country named: the last token (or last two) must be a city, the largest of that name."""
        for start in (len(tokens) - 2, len(tokens) - 1):
            city = self._pick(self.gazetteer.cities(", ".join(tokens[max(start, 0) :])), None, None)
            if city:
                leftover = tokens[: max(start, 0)]
                break
        if city is None:
            return _Reading(None, None, None, tokens)
        return _Reading(city.country_code, None, city, leftover)

    def _city(
        self, tokens: list[str], country: str | None, state: str | None
    ) -> tuple[City | None, list[str]]:
        """The rightmost token naming a city; two tokens joined first ('Washington, D.C.')."""
        for index in range(len(tokens) - 1, -1, -1):
            for start in (index - 1, index):
                if start < 0:
                    continue
                name = ", ".join(tokens[start : index + 1])
                city = self._pick(self.gazetteer.cities(name), country, state)
                if city:
                    return city, tokens[:start]
        return None, tokens

    @staticmethod
    def _pick(candidates: Sequence[City], country: str | None, state: str | None) -> City | None:
        if country:
            candidates = [c for c in candidates if c.country_code == country]
        in_state = [c for c in candidates if state and c.state_code == state]
        if country == "US" and state:
            candidates = in_state
        pool = in_state or candidates
        return pool[0] if pool else None

    def _place(self, reading: _Reading, text: str) -> Place:
        if reading.country is None:
            return Place(raw=text or None)
        gazetteer = self.gazetteer
        city = reading.city
        state = (city.state_code if city else None) or reading.state
        return Place(
            country_code=reading.country,
            country_name=gazetteer.country_name(reading.country),
            state_code=state,
            state_name=gazetteer.subdivision_name(state) if state else None,
            city_key=city_key(city.country_code, city.state_code, city.name) if city else None,
            city_name=city.name if city else None,
            latitude=city.latitude if city else None,
            longitude=city.longitude if city else None,
            raw=", ".join(reading.leftover) or None,
        )


def _as_text(location: str | Mapping[str, Any] | None) -> str:
    if location is None:
        return ""
    if isinstance(location, str):
        return location.strip()
    parts = (location.get("city"), location.get("state"), location.get("country"))
    return ", ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


def _tokens(text: str) -> list[str]:
    """The first of several locations ('X (operational) Y (legal)'), split on commas."""
    first = _PARENTHESES.split(text)[0] if _PARENTHESES.search(text) else text
    return [t.strip() for t in first.split(",") if t.strip()]
