"""`GEOCODER=offline`: resolve locations as real feeds write them, from the gazetteer alone.

A location string is first narrowed to the places it names (narrowing.py); of several, the
first that names a country (or a US state) is the company's, as the text names it first.

Then it is read right to left: country, then state, then the city. Where the last token
could be a country or a US state ('Georgia'), both readings are tried and the one that
resolves more wins. Of several tokens that name a city (`Eschborn, Frankfurt, Hesse`),
the most specific that is a municipality wins: the leftmost, unless it lies inside a
larger city named after it (a district: `Canary Wharf, London`); streets and buildings
are never cities. Within a named country every town of 500 people counts; with no
country named only cities of 5,000 and more, the largest of the name. A city is shown
under the name the text gives it (one of its GeoNames names), not under an alternate.
What cannot be resolved is returned as `raw` text, never as an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from main.resources.geo.gazetteer import MIN_CITY_POPULATION, City, Gazetteer, shared_gazetteer
from main.resources.geo.narrowing import Narrower
from main.resources.geo.place_relations import JAPANESE_SUFFIX, not_this_city, state_city_rather
from main.service.keys import city_key
from main.service.model import Place
from main.service.ports import Geocoder

SMALLEST_TOWN = 500
_STREET_WORDS = re.compile(
    r"\b(?:street|road|rd|avenue|ave|boulevard|blvd|lane|drive|parkway|highway|plaza|square|tower"
    r"|towers|building|bldg|floor|level|suite|unit|house|court|straße|strasse|rue|calle|chome|po box)\b",
    re.IGNORECASE,
)
# what a building or a site before the city is called, besides the street words
_BUILDING_WORDS = re.compile(
    r"\b(?:centre|center|yards?|wharf|quay|campus|park|place|point|gate|mall|estate|complex|hall"
    r"|one|two|three)\b",
    re.IGNORECASE,
)
MAX_STATE_READINGS = 5
# "Toyota City", "Taguig City": GeoNames keeps most such cities under the bare name
_CITY_WORD = re.compile(r"\s+city$", re.IGNORECASE)
ABBREVIATIONS = {"mt": "Mount", "ft": "Fort", "st": "Saint", "ste": "Sainte", "pt": "Port"}
_ABBREVIATED = re.compile(r"\b(mt|ft|st|ste|pt)\b\.?", re.IGNORECASE)
# ISO 3166-2 subdivisions GeoNames files as countries of their own, and their codes there
TERRITORIES = {
    "US-PR": "PR",
    "US-GU": "GU",
    "US-VI": "VI",
    "US-AS": "AS",
    "US-MP": "MP",
    "CN-HK": "HK",
    "CN-MO": "MO",
    "CN-TW": "TW",
}


@dataclass
class _Reading:
    country: str | None
    state: str | None
    city: City | None
    leftover: list[str]
    city_token: str | None = None

    @property
    def score(self) -> tuple[int, int]:
        """More resolved parts first, then fewer tokens left over."""
        parts = (self.country is not None) + (self.state is not None) + 2 * (self.city is not None)
        return parts, -len(self.leftover)


class OfflineGeocoder(Geocoder):
    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gazetteer = gazetteer or shared_gazetteer()
        self.narrower = Narrower(self.gazetteer)

    def warm(self) -> None:
        self.gazetteer.warm()

    def resolve(self, location: str | Mapping[str, Any] | None) -> Place:
        text = _as_text(location)
        best: _Reading | None = None
        for tokens in self.narrower.places(text):
            reading = max(self._readings(tokens), key=lambda r: r.score)
            if reading.country is not None:
                return self._place(reading, text)
            best = best or reading
        return self._place(best, text) if best else Place(raw=text or None)

    def _readings(self, tokens: list[str]) -> list[_Reading]:
        """Readings where the text names its country (or a US state); a bare city otherwise."""
        readings = []
        for size in (2, 1):
            if len(tokens) >= size:
                country = self.gazetteer.country(", ".join(tokens[-size:]))
                if country:
                    reading = self._within(country, tokens[:-size])
                    if reading.city is None and all(map(_street_or_building, reading.leftover)):
                        # a city-state named alone, or after its streets and buildings
                        reading.city = self.gazetteer.city_state(reading.country or country)
                    readings.append(reading)
        splits = self._state_splits(tokens)
        for before, state_token in splits:
            us_state = self.gazetteer.subdivision("US", state_token)
            if us_state:
                readings.append(self._within("US", before, us_state, state_token))
        if not any(r.city for r in readings):
            readings.extend(self._other_states(splits, named=bool(readings)))
        return readings or [self._anywhere(tokens)]

    def _other_states(self, splits: list[tuple[list[str], str]], named: bool) -> list[_Reading]:
        """The last token as another country's state ("Edmonton, Alberta", "Perth, WA"), where
        a town before it is found there. A name that is a country's or a US state's already
        stays that unless such a town is found (`Smallville, Florida` is not Uruguay's
        Florida, a city of that name; a bare `Mexico` is the country, not Mexico City);
        where none is and the words before it name no town anywhere, a town the gazetteer
        lacks keeps the state (`Exampleton, Ontario`), never becoming the city the state's
        name names elsewhere (Ontario, California)."""
        found, states = [], []
        for before, state_token in splits:
            for country, state in self.gazetteer.subdivisions(state_token)[:MAX_STATE_READINGS]:
                reading = self._within(country, before, state, state_token)
                if reading.city is not None and not (named and reading.city_token == state_token):
                    found.append(reading)
                elif before and not named and not any(map(self._named, before)):
                    states.append(reading)
        return found or states[:1]

    def _state_splits(self, tokens: list[str]) -> list[tuple[list[str], str]]:
        """(tokens before, the token that may be a state): the last token, and the last word of
        it where an address runs the state into the city ("Sydney NSW", "Redmond WA" once the
        postal code is gone) and the whole does not name a city ("New Delhi")."""
        if not tokens:
            return []
        head, _, tail = tokens[-1].rpartition(" ")
        splits = [(tokens[:-1], tokens[-1])]
        if head and not self._named(tokens[-1]):
            splits.append(([*tokens[:-1], head], tail))
        return splits

    def _within(
        self, country: str, tokens: list[str], state: str | None = None, state_token: str | None = None
    ) -> _Reading:
        if state is None:
            for before, token in self._state_splits(tokens):
                state = self.gazetteer.subdivision(country, token)
                if state:
                    state_token, tokens = token, before
                    break
        if state in TERRITORIES:
            # GeoNames files Puerto Rico's towns under PR, Hong Kong's under HK: not under a state
            country, state, state_token = TERRITORIES[state], None, None
        city, token, leftover = self._city(tokens, country, state)
        # a state token naming a city too ("London", "Brussels", "Osaka") is that city where the
        # text names no other, or names one of its districts, or a namesake in another state
        also = self._pick(self._named(state_token), country, state) if state_token else None
        if also is not None and (city is None or state_city_rather(also, city, token or "")):
            city, token, leftover = also, state_token, tokens
            state = also.state_code or state
        elif also is not None:
            # the token named the city the company's lies beside, not its state ("Salford, Manchester")
            state = city.state_code or state
        return _Reading(country, state, city, leftover, token)

    def _anywhere(self, tokens: list[str]) -> _Reading:
        """No country named: the last token (or last two) must be a city, the largest of that name;
        a last token naming no place at all (a county ISO 3166-2 does not list: "Slough,
        Berkshire") is passed over."""
        end = len(tokens)
        while end > 0:
            for start in (end - 2, end - 1):
                name = ", ".join(tokens[max(start, 0) : end])
                city = self._pick(self.gazetteer.cities(name, MIN_CITY_POPULATION), None, None)
                if city:
                    return _Reading(city.country_code, None, city, tokens[: max(start, 0)], name)
            if self.gazetteer.names_a_place(tokens[end - 1], None):
                break
            end -= 1
        return _Reading(None, None, None, tokens)

    def _city(
        self, tokens: list[str], country: str | None, state: str | None
    ) -> tuple[City | None, str | None, list[str]]:
        """The most specific token naming a municipality (two joined first: 'Washington, D.C.'),
        streets and buildings left out, districts of a larger city named after them too."""
        found: list[tuple[int, City, str]] = []
        index = len(tokens) - 1
        while index >= 0:
            for start in (index - 1, index):
                if start < 0:
                    continue
                name = ", ".join(tokens[start : index + 1])
                # a street or building before the city; the last place named may hold such a
                # word in its own name ("Road Town")
                if found and _STREET_WORDS.search(name):
                    continue
                city = self._pick(self._named(name), country, state)
                if city:
                    found.append((start, city, name))
                    index = start
                    break
            index -= 1
        if not found and tokens:
            return self._building_then_city(tokens, country, state)
        left_to_right = list(reversed(found))
        for position, (start, city, name) in enumerate(left_to_right):
            after = [c for _, c, _ in left_to_right[position + 1 :]]
            if not after or not any(not_this_city(city, name, other) for other in after[:1]):
                return city, name, tokens[:start]
        return None, None, tokens

    def _building_then_city(
        self, tokens: list[str], country: str | None, state: str | None
    ) -> tuple[City | None, str | None, list[str]]:
        """A building, tower or plaza run into the city without a comma (`One Harbor Plaza
        Springfield, Illinois`): the city is the last words of a token (the nearest the state
        first) that name a place there, the longest first, where the words before them hold a
        building's or a street's word (so a town the gazetteer lacks, `East Example`, is never read as
        another town, `Example`)."""
        for index in range(len(tokens) - 1, -1, -1):
            if not _street_or_building(tokens[index]):
                continue
            words = tokens[index].split()
            for size in range(min(4, len(words) - 1), 0, -1):
                building, name = " ".join(words[:-size]), " ".join(words[-size:])
                if not _street_or_building(building):
                    continue
                city = self._pick(self._named(name), country, state)
                if city:
                    return city, name, [*tokens[:index], building]
        return None, None, tokens

    def _named(self, name: str) -> Sequence[City]:
        """Cities of this name; a Japanese ward's or city's suffix ("Minato-ku"), a trailing "City"
        ("Toyota City") and the second half of a merged municipality ("Rapperswil-Jona") are
        tried without, and abbreviations written out ("Mt. Laurel")."""
        cities = self.gazetteer.cities(name, SMALLEST_TOWN)
        if not cities:
            bare = _CITY_WORD.sub("", JAPANESE_SUFFIX.sub("", name))
            if bare != name:
                cities = self.gazetteer.cities(bare, SMALLEST_TOWN)
        if not cities and "-" in name and "," not in name and len(name.split("-")[0]) >= 4:
            cities = self.gazetteer.cities(name.split("-")[0], SMALLEST_TOWN)
        if not cities:
            written_out = _ABBREVIATED.sub(lambda m: ABBREVIATIONS[m.group(1).lower()], name)
            if written_out != name:
                cities = self.gazetteer.cities(written_out, SMALLEST_TOWN)
        return cities

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
        state = reading.state or (city.state_code if city else None)
        return Place(
            country_code=reading.country,
            country_name=gazetteer.country_name(reading.country),
            state_code=state,
            state_name=gazetteer.subdivision_name(state) if state else None,
            city_key=city_key(city.country_code, city.state_code, city.name) if city else None,
            city_name=_as_written(city, reading.city_token) if city else None,
            latitude=city.latitude if city else None,
            longitude=city.longitude if city else None,
            raw=", ".join(reading.leftover) or None,
        )


def _street_or_building(token: str) -> bool:
    return bool(_STREET_WORDS.search(token) or _BUILDING_WORDS.search(token))


def _as_written(city: City, token: str | None) -> str:
    """The name the text gives the city, where it is a full name of it (not an abbreviation:
    'NYC', 'SF'); GeoNames' own otherwise."""
    if not token or token.isupper() or len(token) < 3 or "," in token:
        return city.name
    return token


def _as_text(location: str | Mapping[str, Any] | None) -> str:
    if location is None:
        return ""
    if isinstance(location, str):
        return location.strip()
    parts = (location.get("city"), location.get("state"), location.get("country"))
    return ", ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
