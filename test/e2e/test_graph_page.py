"""The graph explorer (`/graph`) in Debian's Chromium, driven by Playwright, against the real
app: served by uWSGI directly and through nginx, on a SQLite graph holding the demo data.

Every page a test opens is watched: a console error, an uncaught exception or a violation
of the page's Content-Security-Policy fails the test. Screenshots go to the test's folder.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from main.bootstrap import bootstrap
from main.controller.cli import DEMO_FILE
from main.controller.http.pages import CONTENT_SECURITY_POLICY
from main.schema.intake import accept_raw
from main.util.config import Settings
from test.browser import Watched
from test.e2e.conftest import spawn_server, start_server
from test.e2e.test_behind_nginx import answers_ok, nginx_folder, start_nginx, start_uwsgi
from test.helpers import company_event, wait_until

HOSTILE = "Acme <img src=x onerror=alert(1)> Ltd"
HOSTILE_ID = "ACME-HOSTILE-1"
# a demo company in Montreal, which holds several (its city expands)
MONTREAL_COMPANY = "5747218A-0DDA-B6E1-D69F-C34B456A0D5F"
# Playwright's waits as functions: a string expression is run by eval in the page, which its
# policy forbids (as it should)
CENTRED = "() => window.explorer && window.explorer.cy.nodes('.centre').length === 1"


@dataclass
class Site:
    url: str
    folder: Path


def load_graph(folder: Path) -> str:
    """A SQLite graph with the demo data and a company whose name is markup."""
    url = f"sqlite:///{folder}/graph.db"
    container = bootstrap(replace(Settings(), graph_url=url, var_dir=folder / "var"), consume=False)
    lines = DEMO_FILE.read_text().splitlines()
    hostile = company_event(company_id=HOSTILE_ID, name=HOSTILE, location="Montreal, Quebec, Canada")
    hostile["occurredAt"] = "2026-01-02T00:00:00Z"
    lines.append(json.dumps(hostile))
    container.sync.apply_batch([accept_raw(line, container.skew).event for line in lines])
    container.close()
    return url


@pytest.fixture(scope="module")
def graph_folder() -> Iterator[Path]:
    folder = nginx_folder()
    load_graph(folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def direct(graph_folder: Path) -> Iterator[Site]:
    folder = graph_folder / "direct"
    folder.mkdir()
    server = start_server(folder, GRAPH_URL=f"sqlite:///{graph_folder}/graph.db")
    yield Site(server.url, folder)
    server.stop()


@pytest.fixture(scope="module")
def behind_nginx(graph_folder: Path) -> Iterator[Site]:
    folder = graph_folder / "nginx"
    folder.mkdir()
    socket = folder / "uwsgi.sock"
    uwsgi = start_uwsgi(folder, socket, GRAPH_URL=f"sqlite:///{graph_folder}/graph.db")
    nginx = start_nginx(folder, socket, rate="1000", burst="1000")
    wait_until(lambda: answers_ok(f"{nginx.url}/health"), timeout=60, interval=0.1)
    yield Site(nginx.url, folder)
    for process in (nginx.process, uwsgi):
        process.terminate()
        process.wait(30)


@pytest.fixture(scope="module", params=["direct", "behind nginx"])
def site(request: pytest.FixtureRequest, direct: Site, behind_nginx: Site) -> Site:
    """Both started with the module (a server a test starts does not outlive it)."""
    return direct if request.param == "direct" else behind_nginx


def open_graph(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_function(CENTRED)


def centre(page: Page) -> str:
    return page.evaluate("window.explorer.cy.nodes('.centre').id()")


def node_ids(page: Page) -> set[str]:
    return set(page.evaluate("window.explorer.cy.nodes().map((node) => node.id())"))


def click_node(page: Page, node_id: str) -> None:
    """A click on the canvas where cytoscape drew the node."""
    box = page.locator("#canvas").bounding_box()
    position = page.evaluate("(id) => window.explorer.cy.getElementById(id).renderedPosition()", node_id)
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])


def graph_list(page: Page):
    return page.get_by_role("navigation", name="The graph as a list")


def test_a_company_shows_its_places_industries_and_neighbours_and_walks_by_clicks(
    watched: Watched, site: Site, tmp_path: Path
) -> None:
    page = watched.page
    api = requests.get(f"{site.url}/api/v1/companies/{MONTREAL_COMPANY}/graph?depth=2", timeout=10).json()
    open_graph(page, f"{site.url}/graph?company={MONTREAL_COMPANY}")
    assert centre(page) == f"Company/{MONTREAL_COMPANY}"
    assert node_ids(page) == {node["id"] for node in api["nodes"]}
    listed = graph_list(page)
    expect(listed.get_by_role("button", name="City: Montreal")).to_be_visible()
    expect(listed.get_by_role("button", name="Country: Canada")).to_be_visible()
    expect(listed.get_by_role("button", name="Industry: E-commerce")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Aguilar, Collins and Knox")
    page.screenshot(path=tmp_path / "company.png")

    click_node(page, "City/CA-montreal")
    expect(page).to_have_url(re.compile(r"expand=City%2FCA-montreal"))
    expect(page.get_by_role("status")).to_contain_text("Montreal")
    assert f"Company/{HOSTILE_ID}" in node_ids(page)  # a Montreal company beyond depth 2

    neighbour = next(
        node["id"]
        for node in api["nodes"]
        if node["collection"] == "Company" and MONTREAL_COMPANY not in node["id"]
    )
    click_node(page, neighbour)
    expect(page).to_have_url(re.compile(rf"company={neighbour.partition('/')[2]}$"))
    page.wait_for_function("(id) => window.explorer.cy.nodes('.centre').id() === id", arg=neighbour)
    page.screenshot(path=tmp_path / "recentred.png")

    page.go_back()
    page.wait_for_function(
        "(id) => window.explorer.cy.nodes('.centre').id() === id", arg=f"Company/{MONTREAL_COMPANY}"
    )
    assert "City/CA-montreal" in node_ids(page)
    expect(page).to_have_url(re.compile(r"expand=City%2FCA-montreal"))


def test_a_shared_link_opens_the_same_view(watched: Watched, direct: Site) -> None:
    page = watched.page
    link = f"{direct.url}/graph?company={MONTREAL_COMPANY}&expand=City%2FCA-montreal"
    open_graph(page, link)
    page.wait_for_function(
        "(id) => window.explorer.cy.getElementById(id).nonempty()", arg=f"Company/{HOSTILE_ID}"
    )


def test_a_search_lists_hits_as_links_and_following_one_opens_its_graph(watched: Watched, site: Site) -> None:
    page = watched.page
    page.goto(f"{site.url}/graph")
    expect(page.get_by_role("status")).to_contain_text("Find a company")
    page.get_by_role("searchbox", name="Find a company").press_sequentially("aguil", delay=30)
    hit = page.get_by_role("link", name=re.compile("Aguilar, Collins and Knox"))
    expect(hit).to_have_attribute("href", f"graph?company={MONTREAL_COMPANY}")
    hit.click()
    expect(page).to_have_url(re.compile(rf"/graph\?company={MONTREAL_COMPANY}$"))
    page.wait_for_function(CENTRED)
    assert centre(page) == f"Company/{MONTREAL_COMPANY}"


def test_a_name_that_is_markup_shows_as_text(watched: Watched, site: Site, tmp_path: Path) -> None:
    page = watched.page
    open_graph(page, f"{site.url}/graph?company={HOSTILE_ID}")
    expect(graph_list(page).get_by_role("button", name=HOSTILE, exact=True)).to_be_visible()
    page.get_by_role("searchbox", name="Find a company").fill("acme")
    expect(page.get_by_role("link", name=re.compile(re.escape(HOSTILE)))).to_be_visible()
    assert page.locator("img").count() == 0
    assert page.evaluate("window.explorer.cy.nodes('.centre').data('name')") == HOSTILE
    page.screenshot(path=tmp_path / "markup-as-text.png")


def test_an_unknown_company_says_so_and_draws_no_empty_canvas(watched: Watched, site: Site) -> None:
    page = watched.page
    watched.failed_loads_expected = True
    page.goto(f"{site.url}/graph?company=NO-SUCH-COMPANY")
    expect(page.get_by_role("status")).to_have_text("No company has the id NO-SUCH-COMPANY.")
    expect(page.get_by_role("img")).to_have_attribute("aria-label", re.compile("No company has the id"))
    expect(page.locator("#canvas")).to_have_attribute("data-empty", re.compile("No company has the id"))
    expect(page.get_by_role("button", name="Retry")).to_be_hidden()


@dataclass
class Stoppable:
    """A site of its own whose app a test stops and starts again (directly: uWSGI on its
    port, the browser meets a refused connection; behind nginx: nginx answers 502)."""

    url: str
    stop: Callable[[], None]
    restart: Callable[[], None]


@pytest.fixture(params=["direct", "behind nginx"])
def stoppable(request: pytest.FixtureRequest) -> Iterator[Stoppable]:
    folder = nginx_folder()
    graph = load_graph(folder)
    processes: list = []
    if request.param == "direct":
        server = start_server(folder, GRAPH_URL=graph)
        port = int(server.url.rsplit(":", 1)[1])
        url = server.url
        processes.append(server.process)

        def start() -> None:
            processes.append(spawn_server(folder, port=port, GRAPH_URL=graph).process)
    else:
        socket = folder / "uwsgi.sock"

        def start() -> None:
            processes.append(start_uwsgi(folder, socket, GRAPH_URL=graph))

        start()
        nginx = start_nginx(folder, socket, rate="1000", burst="1000")
        url = nginx.url

    def stop() -> None:
        processes[-1].terminate()
        processes[-1].wait(30)

    def restart() -> None:
        start()
        wait_until(lambda: answers_ok(f"{url}/health"), timeout=30, interval=0.1)

    wait_until(lambda: answers_ok(f"{url}/health"), timeout=30, interval=0.1)
    yield Stoppable(url, stop, restart)
    shutil.rmtree(folder, ignore_errors=True)


def test_a_stopped_api_says_so_and_retry_recovers(watched: Watched, stoppable: Stoppable) -> None:
    page = watched.page
    open_graph(page, f"{stoppable.url}/graph?company={MONTREAL_COMPANY}")
    stoppable.stop()
    watched.failed_loads_expected = True
    graph_list(page).get_by_role("button", name="City: Montreal").click()
    expect(page.get_by_role("status")).to_contain_text("The API is not answering")
    retry = page.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    stoppable.restart()
    retry.click()
    expect(page.get_by_role("status")).to_contain_text("companies added")
    expect(retry).to_be_hidden()


def test_keyboard_alone_reaches_the_list_and_enter_recentres(watched: Watched, direct: Site) -> None:
    page = watched.page
    open_graph(page, f"{direct.url}/graph?company={MONTREAL_COMPANY}")
    page.locator("body").focus()
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const at = document.activeElement; return at.closest('#twin') && at.dataset.node; })()"
        )
        if focused and focused.startswith("Company/") and MONTREAL_COMPANY not in focused:
            break
    else:
        pytest.fail("Tab never reached a company in the list")
    page.keyboard.press("Enter")
    page.wait_for_function("(id) => window.explorer.cy.nodes('.centre').id() === id", arg=focused)
    expect(page).to_have_url(re.compile(rf"company={focused.partition('/')[2]}$"))


def test_the_page_carries_its_policy_directly_and_through_nginx_and_swagger_ui_keeps_its_own(
    direct: Site, behind_nginx: Site
) -> None:
    for site in (direct, behind_nginx):
        page = requests.get(f"{site.url}/graph", timeout=10)
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "Content-Security-Policy" not in requests.get(f"{site.url}/docs", timeout=10).headers
        script = requests.get(f"{site.url}/static/explorer/explorer.js", timeout=10)
        assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    assert page.headers["X-Frame-Options"] == "DENY"  # nginx's own headers stay beside the app's


def test_a_hub_cut_short_says_how_many_companies_it_left_out_until_expanded(
    watched: Watched, direct: Site
) -> None:
    page = watched.page
    api = f"{direct.url}/api/v1"
    company = requests.get(f"{api}/companies?country=US&per_page=1", timeout=10).json()["data"][0]["id"]
    graph = requests.get(f"{api}/companies/{company}/graph?depth=2", timeout=10).json()
    left = graph["omitted"]["Country/US"]
    assert left > 0  # the demo's United States hold more companies than a depth-2 graph draws
    open_graph(page, f"{direct.url}/graph?company={company}")
    expect(graph_list(page).get_by_role("button", name=f"Country: United States (+{left})")).to_be_visible()
    label = "() => window.explorer.cy.getElementById('Country/US').data('label')"
    assert page.evaluate(label) == f"United States (+{left})"

    drawn = {edge["from"] for edge in graph["edges"] if edge["to"] == "Country/US"}
    first_page = requests.get(f"{api}/countries/US/companies?per_page=20", timeout=10).json()["data"]
    added = {f"Company/{listed['id']}" for listed in first_page} - drawn
    assert added
    graph_list(page).get_by_role("button", name=f"Country: United States (+{left})").click()
    expect(
        graph_list(page).get_by_role("button", name=f"Country: United States (+{left - len(added)})")
    ).to_be_visible()
    expect(graph_list(page).get_by_role("button", name="More companies of United States")).to_be_visible()


def test_a_newer_view_wins_over_an_older_one_still_loading(watched: Watched, direct: Site) -> None:
    """The first company's graph reaches the page a second late (the server's answer, held in
    the page); the second company, asked for meanwhile, is the one drawn, and the late answer
    changes nothing."""
    page = watched.page
    api = f"{direct.url}/api/v1"
    first, second = (c["id"] for c in requests.get(f"{api}/companies?per_page=2", timeout=10).json()["data"])
    page.add_init_script(HOLD_BACK.replace("FIRST", first))
    page.goto(f"{direct.url}/graph?company={first}")
    page.evaluate(
        "(url) => { history.pushState(null, '', url); dispatchEvent(new PopStateEvent('popstate')); }",
        f"graph?company={second}",
    )
    page.wait_for_function("(id) => window.explorer.cy.nodes('.centre').id() === id", arg=f"Company/{second}")
    page.wait_for_function("() => window.__heldBack === true")
    page.wait_for_timeout(200)
    assert centre(page) == f"Company/{second}"


# the page's fetch, its answer for one company's graph handed over a second late, and deaf to
# the page's abort (as an answer already on its way would be): the page must drop it itself
HOLD_BACK = """
const realFetch = window.fetch;
window.fetch = (url, options) => {
  if (!String(url).includes("FIRST/graph")) return realFetch(url, options);
  return realFetch(url, { ...options, signal: undefined }).then((response) => new Promise((resolve) =>
    setTimeout(() => { window.__heldBack = true; resolve(response); }, 1000)));
};
"""
