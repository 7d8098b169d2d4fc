"""The offline resolver against a hand-labelled table of real-world location strings."""

from __future__ import annotations

import pytest

from main.resources.offline_geocoder import OfflineGeocoder
from main.service.keys import fold
from main.service.model import Place
from test.resources.labelled_locations import ANY, LABELLED

ACCURACY_FLOOR = 0.9


def _matches(place: Place, country: str | None, state: str, city: str | None) -> bool:
    found_city = fold(place.city_name) if place.city_name else None
    wanted_city = fold(city) if city else None
    return (
        place.country_code == country
        and (state == ANY or place.state_code == state)
        and found_city == wanted_city
    )


def test_accuracy_on_the_labelled_table(geocoder: OfflineGeocoder, capsys: pytest.CaptureFixture) -> None:
    misses = []
    for text, country, state, city in LABELLED:
        place = geocoder.resolve(text)
        if not _matches(place, country, state, city):
            misses.append(
                (text, (country, state, city), (place.country_code, place.state_code, place.city_name))
            )
    accuracy = 1 - len(misses) / len(LABELLED)
    with capsys.disabled():
        print(f"\noffline resolver: {len(LABELLED) - len(misses)}/{len(LABELLED)} correct ({accuracy:.1%})")
        for text, wanted, got in misses:
            print(f"  miss: {text!r}: wanted {wanted}, got {got}")
    assert len(LABELLED) >= 60
    assert accuracy >= ACCURACY_FLOOR, misses


def test_the_table_spans_many_countries() -> None:
    assert len({country for _, country, _, _ in LABELLED if country}) >= 40


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Santa Clara, California , U.S.", "US-CA-santa-clara"),
        ("Montabaur , Germany", "DE-montabaur"),
        ({"city": "Santa Clara", "state": "CA", "country": "United States"}, "US-CA-santa-clara"),
    ],
)
def test_the_same_city_gets_the_same_key_however_it_is_written(
    geocoder: OfflineGeocoder, text: object, key: str
) -> None:
    assert geocoder.resolve(text).city_key == key


def test_coordinates_come_with_a_resolved_city(geocoder: OfflineGeocoder) -> None:
    place = geocoder.resolve("Tel Aviv, Israel")
    assert place.latitude == pytest.approx(32.08, abs=0.1)
    assert place.longitude == pytest.approx(34.78, abs=0.1)


def test_what_cannot_be_resolved_is_kept_as_raw_text(geocoder: OfflineGeocoder) -> None:
    assert geocoder.resolve("Remote") == Place(raw="Remote")
    partly = geocoder.resolve("Smallville Industrial Park, Germany")
    assert (partly.country_code, partly.city_key, partly.raw) == ("DE", None, "Smallville Industrial Park")


@pytest.mark.parametrize("empty", [None, "", "   ", " , , ", {}, {"city": None}])
def test_an_empty_location_resolves_to_nothing(geocoder: OfflineGeocoder, empty: object) -> None:
    assert not geocoder.resolve(empty).resolved


def test_a_country_only_geonames_knows_is_named_not_a_crash(geocoder: OfflineGeocoder) -> None:
    """Kosovo (XK) has GeoNames cities but no pycountry entry: resolving one failed the lookup."""
    place = geocoder.resolve("Pristina, Kosovo")
    assert (place.country_code, place.country_name) == ("XK", "Kosovo")
