"""Refresh a vendored browser package from the npm registry: cytoscape.js (the explorer draws
with it) or swagger-ui-dist (Swagger UI at /docs).

    .venv/bin/python scripts/vendor_npm.py cytoscape 3.35.0
    .venv/bin/python scripts/vendor_npm.py swagger-ui-dist 5.36.0

By exact version only: the tarball `npm pack` fetches is checked against the integrity
hash the registry publishes for that version (sha512, checked here again on the bytes),
then the files the pages load and the package's licence are copied beside a manifest of
their own SHA-256s, which the suite holds the files to. npm is needed to refresh, never to
run.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "main" / "controller" / "http" / "static" / "vendor"
# each package: its folder under static/vendor, and the files taken from its tarball
PACKAGES = {
    "cytoscape": (
        "cytoscape",
        {"package/dist/cytoscape.min.js": "cytoscape.min.js", "package/LICENSE": "LICENSE"},
    ),
    "swagger-ui-dist": (
        "swagger-ui",
        {
            "package/swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "package/swagger-ui-standalone-preset.js": "swagger-ui-standalone-preset.js",
            "package/swagger-ui.css": "swagger-ui.css",
            "package/LICENSE": "LICENSE",
            "package/NOTICE": "NOTICE",
        },
    ),
}
MANIFEST = "VENDORED.json"


def check_integrity(tarball: bytes, integrity: str) -> None:
    """An SRI string (`sha512-<base64>`) the bytes must match."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise SystemExit(f"{integrity!r}: expected a sha512 integrity")
    found = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if found != expected:
        raise SystemExit(f"the tarball's sha512 is {found}, the registry publishes {expected}")


def sha256(data: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def npm_json(*args: str, cwd: Path | None = None) -> object:
    done = subprocess.run(["npm", *args, "--json"], capture_output=True, text=True, check=True, cwd=cwd)
    return json.loads(done.stdout)


def fetch(package: str, version: str) -> tuple[bytes, str]:
    """The package's tarball at this exact version, checked, and the integrity it was checked by."""
    published = npm_json("view", f"{package}@{version}", "dist.integrity")
    with tempfile.TemporaryDirectory() as work:
        (packed,) = npm_json("pack", f"{package}@{version}", cwd=Path(work))
        tarball = (Path(work) / packed["filename"]).read_bytes()
    check_integrity(tarball, published)
    return tarball, published


def vendor(package: str, version: str) -> dict:
    folder, taken = PACKAGES[package]
    target = VENDOR / folder
    tarball, published = fetch(package, version)
    target.mkdir(parents=True, exist_ok=True)
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        for member, name in taken.items():
            data = archive.extractfile(member).read()
            (target / name).write_bytes(data)
            files[name] = sha256(data)
    manifest = {"package": package, "version": version, "integrity": published, "files": files}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("package", choices=sorted(PACKAGES))
    parser.add_argument("version", help="an exact version, e.g. 3.35.0")
    args = parser.parse_args()
    print(json.dumps(vendor(args.package, args.version), indent=2))


if __name__ == "__main__":
    main()
