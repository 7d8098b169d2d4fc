"""The pages' vendored browser packages (cytoscape.js for the explorer, Swagger UI for /docs):
the files are what scripts/vendor_npm.py took from the registry's tarball (their SHA-256s in
its manifest), the refresh refuses a tarball that does not match the published integrity,
and cytoscape needs no `eval` (the explorer's Content-Security-Policy allows none)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from test.helpers import project_script, vendored_manifest

VENDOR = Path(__file__).resolve().parents[2] / "main" / "controller" / "http" / "static" / "vendor"


def script():
    return project_script("vendor_npm")


@pytest.mark.parametrize(
    ("package", "licence"),
    [("cytoscape", "Permission is hereby granted"), ("swagger-ui-dist", "Apache License")],
)
def test_the_vendored_files_are_the_ones_the_manifest_names(package: str, licence: str) -> None:
    folder, taken = script().PACKAGES[package]
    manifest = vendored_manifest(VENDOR / folder)
    assert manifest["package"] == package and manifest["version"].count(".") == 2
    assert set(manifest["files"]) == set(taken.values())
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
