"""The graph page's vendored cytoscape.js: the files are what scripts/vendor_cytoscape.py took
from the registry's tarball (their SHA-256s in its manifest), the refresh refuses a tarball
that does not match the published integrity, and the file needs no `eval` (the page's
Content-Security-Policy allows none)."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "main" / "controller" / "http" / "static" / "vendor" / "cytoscape"


def script():
    spec = importlib.util.spec_from_file_location(
        "vendor_cytoscape", ROOT / "scripts" / "vendor_cytoscape.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_vendored_files_are_the_ones_the_manifest_names() -> None:
    manifest = json.loads((VENDORED / "VENDORED.json").read_text())
    assert manifest["package"] == "cytoscape" and manifest["version"].count(".") == 2
    assert manifest["integrity"].startswith("sha512-")
    assert set(manifest["files"]) == {"cytoscape.min.js", "LICENSE"}
    for name, digest in manifest["files"].items():
        found = "sha256-" + base64.b64encode(hashlib.sha256((VENDORED / name).read_bytes()).digest()).decode()
        assert found == digest, f"{name} is not the file the registry's tarball held"
    assert "Permission is hereby granted" in (VENDORED / "LICENSE").read_text()  # MIT


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
    code = (VENDORED / "cytoscape.min.js").read_text()
    assert "eval(" not in code and "new Function" not in code
