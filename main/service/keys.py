"""Graph keys of the graph contract (README: "Graph"), only of characters ArangoDB allows in `_key`."""

from __future__ import annotations

import functools
import re
import unicodedata

COMPANY = "Company"
COUNTRY = "Country"
STATE = "State"
CITY = "City"
INDUSTRY = "Industry"
PLACE_COLLECTIONS = (COUNTRY, STATE, CITY)

LOCATE = "locate"
INDUSTRY_EDGE = "industry"

# `$` escaped even inside the class: JSON Schema tools that anchor patterns rewrite a bare `$`.
# `.` and `..` alone are refused: as a URL path segment they mean "here" and "up", so no
# client could reach /companies/. or /companies/.. (every other id is reachable, `%` escaped).
COMPANY_ID_PATTERN = r"^(?!\.\.?$)[A-Za-z0-9_\-:.@()+,=;\$!*'%]{1,200}$"
_COMPANY_ID = re.compile(COMPANY_ID_PATTERN)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case ASCII form of `text`: accents dropped, so 'Zürich' and 'Zurich' meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


@functools.lru_cache(maxsize=65_536)
def slug(text: str) -> str:
    """Cached: the same industry and city names come with thousands of events."""
    return _NOT_SLUG.sub("-", fold(text)).strip("-")


def company_key(company_id: str) -> str:
    """Company ids are case-insensitive; the graph stores them upper-case."""
    key = company_id.strip().upper()
    if not _COMPANY_ID.match(key):
        raise ValueError(f"company id {company_id!r} has characters a graph key cannot hold")
    return key


# Countries whose city keys carry the state: every geocoder we use knows their states
# by ISO 3166-2 code, so the same city gets the same key from each of them.
STATE_KEYED_COUNTRIES = frozenset({"US", "GB", "CH", "BE"})


def city_key(country_code: str, state_code: str | None, name: str) -> str:
    """`US-CA-santa-clara`; `DE-munich` where states are not part of city keys."""
    keyed = state_code and country_code in STATE_KEYED_COUNTRIES
    return f"{state_code if keyed else country_code}-{slug(name)}"


def industry_key(name: str) -> str:
    return slug(name)


def node_id(collection: str, key: str) -> str:
    return f"{collection}/{key}"


def edge_key(from_key: str, edge: str, to_key: str) -> str:
    return f"{from_key}--{edge}--{to_key}"
