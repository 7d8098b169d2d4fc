"""The pages' vendored browser packages (cytoscape.js for the explorer, Swagger UI for /docs):
the files are what scripts/vendor_npm.py took from the registry's tarball (their SHA-256s in
its manifest), the refresh refuses a tarball that does not match the published integrity,
and cytoscape needs no `eval` (the explorer's Content-Security-Policy allows none)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "main" / "controller" / "http" / "static" / "vendor"


def script():
    spec = importlib.util.spec_from_file_location("vendor_npm", ROOT / "scripts" / "vendor_npm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("package", "licence"),
    [("cytoscape", "Permission is hereby granted"), ("swagger-ui-dist", "Apache License")],
)
def test_the_vendored_files_are_the_ones_the_manifest_names(package: str, licence: str) -> None:
    folder, taken = script().PACKAGES[package]
    manifest = json.loads((VENDOR / folder / "VENDORED.json").read_text())
    assert manifest["package"] == package and manifest["version"].count(".") == 2
    assert manifest["integrity"].startswith("sha512-")
    assert set(manifest["files"]) == set(taken.values())
    for name, digest in manifest["files"].items():
        data = (VENDOR / folder / name).read_bytes()
        found = "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert found == digest, f"{name} is not the file the registry's tarball held"
    assert licence in (VENDOR / folder / "LICENSE").read_text()


def test_a_tarball_that_does_not_match_the_published_integrity_is_refused() -> None:
    check = script().check_integrity
    tarball = b"the package's bytes"
    published = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    check(tarball, published)
    with pytest.raises(SystemExit, match="the registry publishes"):
        check(tarball + b"!", published)
    with pytest.raises(SystemExit, match="sha512"):
        check(tarball, "sha1-" + base64.b64encode(hashlib.sha1(tarball).digest()).decode())


def test_cytoscape_needs_no_eval() -> None:
    code = (VENDOR / "cytoscape" / "cytoscape.min.js").read_text()
    assert "eval(" not in code and "new Function" not in code
