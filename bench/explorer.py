"""bench/explorer: the graph page (`/graph`) in headless Chromium, at bench/reads' stores.

For a hub company (PROBE-HUB: in the biggest city, country and industry of the store), it
opens the page for its depth-2 graph through nginx and uWSGI (the production path) and
reads the page's own marks: when the graph is drawn after navigation starts, and when an
expansion of its city (the first page of the city's companies) is drawn after the click.
Baselines, measured in the same run on the same page: the page loaded (its HTML, script and
cytoscape parsed: DOMContentLoaded), and the browser fetching the same graph's JSON alone.

    .venv/bin/python -m bench.explorer                        # 100,000 and 1,000,000 companies
    .venv/bin/python -m bench.explorer --sizes 1000000 --rounds 20
"""

from __future__ import annotations

import argparse
import statistics

from playwright.sync_api import Page, sync_playwright

from bench.http import ensure_store, running
from test.browser import CHROMIUM_FLAGS, chromium

HUB_COMPANY = "PROBE-HUB"
HUB_CITY = "San Francisco"

FETCH_GRAPH = """async (path) => {
  const started = performance.now();
  const body = await (await fetch(path)).json();
  return [performance.now() - started, body.nodes.length];
}"""
EXPAND = """async (name) => {
  const button = [...document.querySelectorAll("#twin h3 button")].find((b) => b.textContent.includes(name));
  const marked = new Promise((resolve) => {
    new PerformanceObserver((list, observer) => {
      const mark = list.getEntriesByName("explorer:expanded")[0];
      if (mark) { observer.disconnect(); resolve(mark.startTime); }
    }).observe({ type: "mark" });
  });
  const clicked = performance.now();
  button.click();
  return (await marked) - clicked;
}"""


def drawn_after_navigation(page: Page, url: str) -> float:
    page.goto(url)
    page.wait_for_function("() => performance.getEntriesByName('explorer:drawn').length > 0", timeout=30_000)
    return page.evaluate("() => performance.getEntriesByName('explorer:drawn')[0].startTime")


def measure(page: Page, url: str, rounds: int) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {
        "page loaded": [],
        "drawn": [],
        "graph JSON": [],
        "expanded": [],
        "nodes": [],
    }
    for _ in range(rounds):
        found["drawn"].append(drawn_after_navigation(page, f"{url}/graph?company={HUB_COMPANY}"))
        found["page loaded"].append(
            page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
        )
        found["nodes"].append(page.evaluate("() => window.explorer.cy.nodes().length"))
        found["expanded"].append(page.evaluate(EXPAND, HUB_CITY))
        fetched, _ = page.evaluate(FETCH_GRAPH, f"api/v1/companies/{HUB_COMPANY}/graph?depth=2")
        found["graph JSON"].append(fetched)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    executable = chromium()
    if executable is None:
        raise SystemExit("chromium is missing: make test installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        for size in (int(text) for text in args.sizes.split(",")):
            store = ensure_store(size)
            with running(store, argparse.Namespace(size=size, seconds=0, connections=0)) as bench:
                served = bench.api("api")
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                found = measure(page, served.url, args.rounds)
                page.close()
            report(size, found)
        browser.close()


def report(size: int, found: dict[str, list[float]]) -> None:
    nodes = int(statistics.median(found["nodes"]))
    print(f"bench/explorer: {size:,} companies, {HUB_COMPANY}'s depth-2 graph ({nodes} nodes), through nginx")
    for name in ("page loaded", "drawn", "graph JSON", "expanded"):
        times = sorted(found[name])
        print(f"  {name:<12} median {statistics.median(times):7.0f} ms   worst {times[-1]:7.0f} ms")
    drawn, loaded = statistics.median(found["drawn"]), statistics.median(found["page loaded"])
    print(
        f"  drawn / page loaded: {drawn / loaded:.1f}x; drawn / the graph's JSON alone:"
        f" {drawn / statistics.median(found['graph JSON']):.1f}x"
    )


if __name__ == "__main__":
    main()
