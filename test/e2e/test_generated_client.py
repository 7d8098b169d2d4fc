"""A typed client generated from the served spec, as a new user makes one, reads what the API serves.

Swagger 2.0 is converted to OpenAPI 3 with swagger2openapi (npm, pinned), then
openapi-python-client (PyPI, pinned in requirements-dev.txt) generates the client: a
client made that way crashed on a plain search and on a company with no state when the
spec's `x-nullable` sat beside a `$ref`. Any crash or decode error fails the test.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from main.controller.cli import DEMO_FILE
from test.e2e.conftest import ROOT, Server, start_server

SWAGGER2OPENAPI = "swagger2openapi@7.0.8"
BIN = Path(sys.executable).parent
TOOLS = BIN.parent / "share" / "swagger2openapi"


@pytest.fixture(scope="module")
def converter() -> Path:
    """swagger2openapi, installed once into the virtualenv from the npm registry."""
    found = TOOLS / "node_modules" / ".bin" / "swagger2openapi"
    if not found.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing: the client test converts the spec with swagger2openapi")
        TOOLS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(TOOLS), "--no-audit", "--no-fund", SWAGGER2OPENAPI],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return found


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[Server]:
    env = {**os.environ, "GRAPH_URL": f"sqlite:///{tmp_path}/graph.db", "VAR_DIR": str(tmp_path / "var")}
    subprocess.run(
        [sys.executable, "-m", "main.cli", "demo"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    server = start_server(tmp_path)
    yield server
    server.stop()


def generated_client(server: Server, converter: Path, folder: Path):
    (folder / "swagger.json").write_text(requests.get(f"{server.url}/swagger.json", timeout=10).text)
    subprocess.run(
        [str(converter), "swagger.json", "-o", "openapi.json"], cwd=folder, check=True, capture_output=True
    )
    done = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            "openapi.json",
            "--output-path",
            "generated_client",
            "--meta",
            "none",
        ],
        cwd=folder,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"},  # it formats with ruff
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "Warning" not in done.stdout, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("generated_client")
    finally:
        sys.path.remove(str(folder))


def demo_ids() -> set[str]:
    """The demo companies left after the demo file: created, not deleted since."""
    kept: set[str] = set()
    for line in DEMO_FILE.read_text().splitlines():
        event = json.loads(line)
        key = event["data"]["id"].upper()
        if event["eventType"] == "company-created":
            kept.add(key)
        elif event["eventType"] == "company-deleted":
            kept.discard(key)
    return kept


def test_a_client_generated_from_the_spec_reads_every_demo_company_and_a_whole_search(
    demo_server: Server, converter: Path, tmp_path: Path
) -> None:
    client_package = generated_client(demo_server, converter, tmp_path)
    api = importlib.import_module("generated_client.api.companies")
    lookup = importlib.import_module("generated_client.api.companies.get_company_item")
    search = importlib.import_module("generated_client.api.companies.get_company_list")
    models = importlib.import_module("generated_client.models")
    assert api
    client = client_package.Client(base_url=demo_server.url, raise_on_unexpected_status=True)

    found: list[str] = []
    cursor = None
    while True:
        page = search.sync(client=client, per_page=50, **({"cursor": cursor} if cursor else {}))
        assert isinstance(page, models.CompanyPage), page
        found.extend(company.id for company in page.data)
        if not page.links.next_:
            break
        cursor = parse_qs(urlparse(page.links.next_).query)["cursor"][0]
    assert sorted(found) == sorted(demo_ids())

    for company_id in sorted(demo_ids()):
        company = lookup.sync(client=client, company_id=company_id.lower())
        assert isinstance(company, models.Company), company
        assert company.id == company_id
        place = company.place
        if place:
            assert place.state is None or place.state.key, "a company without a state decodes"

    missing = lookup.sync(client=client, company_id="NO-SUCH-COMPANY")
    assert isinstance(missing, models.Error) and missing.code == 404
