"""Refresh the vendored cytoscape.js (the graph page draws with it) from the npm registry.

    .venv/bin/python scripts/vendor_cytoscape.py 3.35.0

By exact version only: the tarball `npm pack` fetches is checked against the integrity
hash the registry publishes for that version (sha512, checked here again on the bytes),
then its minified file and its licence are copied beside a manifest of their own
SHA-256s, which the suite holds the files to. npm is needed to refresh, never to run.
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

PACKAGE = "cytoscape"
TARGET = Path(__file__).resolve().parents[1] / "main" / "controller" / "http" / "static" / "vendor" / PACKAGE
FILES = {"package/dist/cytoscape.min.js": "cytoscape.min.js", "package/LICENSE": "LICENSE"}
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


def vendor(version: str) -> dict:
    published = npm_json("view", f"{PACKAGE}@{version}", "dist.integrity")
    with tempfile.TemporaryDirectory() as work:
        (packed,) = npm_json("pack", f"{PACKAGE}@{version}", cwd=Path(work))
        tarball = (Path(work) / packed["filename"]).read_bytes()
    check_integrity(tarball, published)
    TARGET.mkdir(parents=True, exist_ok=True)
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        for member, name in FILES.items():
            data = archive.extractfile(member).read()
            (TARGET / name).write_bytes(data)
            files[name] = sha256(data)
    manifest = {"package": PACKAGE, "version": version, "integrity": published, "files": files}
    (TARGET / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("version", help="an exact version, e.g. 3.35.0")
    print(json.dumps(vendor(parser.parse_args().version), indent=2))


if __name__ == "__main__":
    main()
