"""How two places a location names relate: the same city named twice, a namesake far from
the place the text goes on to name, or a district of a larger city named after it.

The offline resolver reads a location right to left and asks these of each pair of cities
it found; they are rules over the gazetteer's cities, with no lookups of their own.
"""

from __future__ import annotations

import math
import re

from main.resources.geo.gazetteer import City
from main.resources.geo.gazetteer_index import norm

# People per km² that makes a city's own radius: a place named before a larger city and
# lying within that radius of it is one of its districts, not a municipality of its own.
URBAN_DENSITY = 8_000
# Two places named in a row that lie further apart than this are not one place
HOMONYM_KM = 100
JAPANESE_SUFFIX = re.compile(r"[\s-](?:ku|shi|cho|machi)$", re.IGNORECASE)
_WARD = re.compile(r"[\s-]ku$", re.IGNORECASE)
# Japan's Local Autonomy Act makes a town of 50,000 a city (shi): a municipality of its own,
# however close to Osaka or Tokyo; what GeoNames lists smaller there is a district or a town
JAPANESE_CITY_POPULATION = 50_000
# Tokyo's 23 special wards are municipalities (other cities' wards are districts)
TOKYO_SPECIAL_WARDS = frozenset(
    norm(ward)
    for ward in [
        "Chiyoda",
        "Chuo",
        "Minato",
        "Shinjuku",
        "Bunkyo",
        "Taito",
        "Sumida",
        "Koto",
        "Shinagawa",
        "Meguro",
        "Ota",
        "Setagaya",
        "Shibuya",
        "Nakano",
        "Suginami",
        "Toshima",
        "Kita",
        "Arakawa",
        "Itabashi",
        "Nerima",
        "Adachi",
        "Katsushika",
        "Edogawa",
    ]
)


def state_city_rather(state_city: City, city: City, name: str) -> bool:
    """Whether the city a state token names is the company's rather than `city`, named before it:
    where `city` is a namesake found outside that state (the text's own place is not in the
    gazetteer), or one of its districts. A town of the state far from its namesake city
    ("Rochester, New York", "Laval, Quebec") is the company's."""
    if state_city.geonameid == city.geonameid:
        return False
    if city.state_code != state_city.state_code:
        return state_city.population > city.population
    return _district_of(city, name, state_city)


def not_this_city(city: City, name: str, next_named: City) -> bool:
    """Whether a token naming `city`, followed by one naming `next_named`, is not the company's
    municipality: the same city named twice (a district's name kept as an alternate:
    "Manhattan, New York City"), a homonym far from the place the text goes on to name
    ("Konan, Minato-ku, Tokyo"), or a district within the built-up radius of a larger city."""
    if city.geonameid == next_named.geonameid:
        return True
    if _km(city, next_named) > HOMONYM_KM:
        return True
    return _district_of(city, name, next_named)


def _district_of(city: City, name: str, larger: City) -> bool:
    """Whether `city` lies inside `larger`, a bigger city named after it: in the municipality
    GeoNames files `larger` in (`Wilrijk, Antwerp`), and, where its codes cannot say, within
    the built-up radius of `larger`. In Japan the text says it: a ward ("Kita-ku") is a
    district but for Tokyo's special wards, and a city of 50,000 is a municipality however
    near a larger one (Suita, Osaka)."""
    if larger.population <= city.population or larger.country_code != city.country_code:
        return False
    if city.country_code == "JP":
        if JAPANESE_SUFFIX.sub("", norm(name)) in TOKYO_SPECIAL_WARDS:
            return False
        if _WARD.search(name):
            return True
        if city.population >= JAPANESE_CITY_POPULATION:
            return False
    inside = _in_municipality_of(city, larger)
    if inside is not None:
        return inside
    radius = math.sqrt(larger.population / (math.pi * URBAN_DENSITY))
    return _km(city, larger) <= radius


def _in_municipality_of(city: City, larger: City) -> bool | None:
    """What GeoNames' administrative codes say: False where the two are filed in different
    units at a level both carry (Solna is not Stockholm, Eschborn not Frankfurt, however near),
    True where `city` is filed in every unit `larger` is, down to its smallest, None where the
    codes cannot tell: either city lacks them, `larger` has none below the state, or its
    smallest is a US county, which holds many municipalities."""
    codes, larger_codes = city.units, larger.units
    if codes is None or larger_codes is None:
        return None
    for code, larger_code in zip(codes, larger_codes, strict=False):
        if code and larger_code and code != larger_code:
            return False
    deepest = len(larger_codes)
    if larger.country_code == "US" and deepest == 1:
        return None
    return codes[:deepest] == larger_codes


def _km(a: City, b: City) -> float:
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat, dlon = lat2 - lat1, math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))
