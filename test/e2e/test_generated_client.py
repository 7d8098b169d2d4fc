"""A typed client generated from the served `/openapi.json`, as a new user makes one, used
against the real server (uWSGI) for every operation a client calls.

openapi-python-client (PyPI, pinned in requirements-dev.txt) generates it straight from
the OpenAPI 3.1 document; any warning while generating, any crash or any decode error of
the generated code fails the test. What it cannot send is not tried here: another method
(405), another content type (415) or more requests than nginx's rate limit lets through
(429) need a client that does not follow the document; test_behind_nginx and the
schemathesis runs meet those.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from main.controller.cli import DEMO_FILE
from test.e2e.conftest import ROOT, Server, start_server
from test.helpers import wait_until
from test.servers import free_port
from test.tokens import AUDIENCE, ISSUER, Issuer

BIN = Path(sys.executable).parent
API_KEY = "generated-client-key"
MAX_BODY = 8_192


def start_demo_server(folder: Path, **env: str) -> Server:
    settings = {"GRAPH_URL": f"sqlite:///{folder}/graph.db", "VAR_DIR": str(folder / "var")}
    subprocess.run(
        [sys.executable, "-m", "main.cli", "demo"],
        cwd=ROOT,
        env={**os.environ, **settings},
        check=True,
        capture_output=True,
    )
    return start_server(folder, api_key=API_KEY, MAX_BODY_BYTES=str(MAX_BODY), **settings, **env)


@pytest.fixture(scope="module")
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture(scope="module")
def demo_server(issuer: Issuer) -> Iterator[Server]:
    folder = Path(tempfile.mkdtemp(prefix="company-graph-client-"))
    key = folder / "issuer.pem"
    key.write_text(issuer.public_pem)
    server = start_demo_server(folder, JWT_PUBLIC_KEY_FILE=str(key), JWT_AUDIENCE=AUDIENCE, JWT_ISSUER=ISSUER)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def generated(demo_server: Server) -> ModuleType:
    """The client package, generated once from what the server serves."""
    folder = Path(tempfile.mkdtemp(prefix="company-graph-generated-"))
    (folder / "openapi.json").write_text(requests.get(f"{demo_server.url}/openapi.json", timeout=10).text)
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
        check=False,
    )
    assert done.returncode == 0 and "Warning" not in done.stdout, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("generated_client")
    finally:
        sys.path.remove(str(folder))


def call(operation: str) -> ModuleType:
    """One operation's module: generated_client.api.<tag>.<operationId>."""
    for tag in ("companies", "countries", "industries", "cities", "events"):
        try:
            return importlib.import_module(f"generated_client.api.{tag}.{operation}")
        except ModuleNotFoundError:
            continue
    raise AssertionError(f"no operation {operation} in the generated client")


def models() -> ModuleType:
    return importlib.import_module("generated_client.models")


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


def cursor_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["cursor"][0]


def test_a_generated_client_reads_every_demo_company_and_a_whole_search(
    generated: ModuleType, demo_server: Server
) -> None:
    client = generated.Client(base_url=demo_server.url, raise_on_unexpected_status=True)
    found: list[str] = []
    cursor = None
    while True:
        page = call("get_company_list").sync(
            client=client, per_page=50, **({"cursor": cursor} if cursor else {})
        )
        assert isinstance(page, models().CompanyPage), page
        found.extend(company.id for company in page.data)
        if not page.links.next_:
            break
        cursor = cursor_of(page.links.next_)
    assert sorted(found) == sorted(demo_ids())

    for company_id in sorted(demo_ids()):
        company = call("get_company_item").sync(client=client, company_id=company_id.lower())
        assert isinstance(company, models().Company), company
        assert company.id == company_id
        if company.place:
            assert company.place.state is None or company.place.state.key, "a company without a state decodes"


def test_a_generated_client_reads_related_companies_graphs_places_and_their_companies(
    generated: ModuleType, demo_server: Server
) -> None:
    client = generated.Client(base_url=demo_server.url, raise_on_unexpected_status=True)
    found = models()
    company_id = sorted(demo_ids())[0]
    related = call("get_related_companies").sync(client=client, company_id=company_id)
    assert isinstance(related, found.RelatedList) and related.data
    assert all(isinstance(item.company, found.Company) for item in related.data)
    for depth in (1, 2):
        graph = call("get_company_graph").sync(client=client, company_id=company_id, depth=depth)
        assert isinstance(graph, found.Graph)
        assert f"Company/{company_id}" in {node.id for node in graph.nodes}
        assert {edge.from_ for edge in graph.edges} >= {f"Company/{company_id}"}
    for listing, companies in (
        ("get_country_list", "get_country_companies"),
        ("get_industry_list", "get_industry_companies"),
        ("get_city_list", "get_city_companies"),
    ):
        places = call(listing).sync(client=client, per_page=5)
        assert isinstance(places, found.PlacePage) and places.data
        biggest = places.data[0]
        seen, cursor = 0, None
        while True:
            page = call(companies).sync(
                client=client, key=biggest.key, per_page=7, **({"cursor": cursor} if cursor else {})
            )
            assert isinstance(page, found.CompanyPage)
            seen += len(page.data)
            if not page.links.next_:
                break
            cursor = cursor_of(page.links.next_)
        assert seen == biggest.companies, (listing, biggest.key)


def created(generated: ModuleType, company_id: str, **data) -> object:
    found = models()
    return found.CompanyCreated(
        event_type="company-created",
        data=found.CompanyData(id=company_id, name=f"Generated {company_id}", **data),
    )


def test_a_generated_client_posts_events_with_an_api_key_and_with_a_bearer_token(
    generated: ModuleType, demo_server: Server, issuer: Issuer
) -> None:
    found = models()
    post = call("post_events")
    by_key = generated.AuthenticatedClient(
        base_url=demo_server.url, token=API_KEY, prefix="", auth_header_name="X-API-Key"
    )
    by_token = generated.AuthenticatedClient(base_url=demo_server.url, token=issuer.token())
    place = found.Location(city="Zug", country="Switzerland")
    for client, company_id, data in (
        (by_key, "GEN-KEY-1", {"location": place, "industry": ["Software", "Media"]}),
        (by_token, "GEN-TOKEN-1", {"location": "Zug, Switzerland", "industry": "Software"}),
    ):
        accepted = post.sync(client=client, body=created(generated, company_id, **data))
        assert isinstance(accepted, found.EventAccepted), accepted
    update = found.CompanyUpdated(
        event_type="company-updated", data=found.CompanyData(id="GEN-KEY-1", employees=12)
    )
    assert isinstance(post.sync(client=by_key, body=update), found.EventAccepted)
    reader = generated.Client(base_url=demo_server.url)

    def applied() -> object | None:
        company = call("get_company_item").sync(client=reader, company_id="GEN-KEY-1")
        return company if isinstance(company, found.Company) and company.employees == 12 else None

    company = wait_until(applied, timeout=10, interval=0.1)
    assert [industry.name for industry in company.industries] == ["Software", "Media"]
    assert company.place.city.name == "Zug"
    other = wait_until(
        lambda: call("get_company_item").sync(client=reader, company_id="GEN-TOKEN-1"), timeout=10
    )
    assert isinstance(other, found.Company) and other.place.country.key == "CH"


def test_a_generated_client_decodes_every_error_it_can_meet_as_the_error_model(
    generated: ModuleType, demo_server: Server, issuer: Issuer, tmp_path: Path
) -> None:
    found = models()
    reader = generated.Client(base_url=demo_server.url)
    post = call("post_events")
    body = created(generated, "GEN-ERR-1")

    def refused(answer: object, status: int) -> None:
        assert isinstance(answer, found.Error), answer
        assert answer.code == status and answer.message

    refused(call("get_company_list").sync(client=reader, per_page=0), 400)
    refused(call("get_company_item").sync(client=reader, company_id="NO-SUCH-COMPANY"), 404)
    refused(call("get_city_companies").sync(client=reader, key="XX-nowhere"), 404)
    wrong_key = generated.AuthenticatedClient(
        base_url=demo_server.url, token="not-a-key", prefix="", auth_header_name="X-API-Key"
    )
    refused(post.sync(client=wrong_key, body=body), 401)
    reader_token = generated.AuthenticatedClient(
        base_url=demo_server.url, token=issuer.token("companies:read")
    )
    refused(post.sync(client=reader_token, body=body), 403)
    by_key = generated.AuthenticatedClient(
        base_url=demo_server.url, token=API_KEY, prefix="", auth_header_name="X-API-Key"
    )
    refused(post.sync(client=by_key, body=created(generated, "GEN-ERR-2", description="x" * MAX_BODY)), 413)
    # an issuer whose keys cannot be fetched: the API cannot check a token, and says so
    dead_keys = f"http://127.0.0.1:{free_port()}/jwks.json"
    keyless = start_demo_server(tmp_path, JWT_JWKS_URL=dead_keys, JWT_AUDIENCE=AUDIENCE, JWT_ISSUER=ISSUER)
    try:
        token = generated.AuthenticatedClient(base_url=keyless.url, token=issuer.token())
        detailed = post.sync_detailed(client=token, body=body)
        refused(detailed.parsed, 503)
        assert int(detailed.headers["Retry-After"]) > 0
    finally:
        keyless.stop()
