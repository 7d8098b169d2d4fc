"""The API's answers to its read routes, recorded, so a change that must not change one byte of
them (moving the graph's rules out of the SQLite adapter) is held to them.

Two stores: the demo data, and bench/reads' store of 100,000 companies (its hubs, long tail
and sparse pair). The requests are found by walking each store through the API (every
company of a sample, its related list and graph at both depths; every page of the places;
the first pages of the largest and smallest places; searches combining words and the
largest places and industries, followed by cursor and by page number; unknown ids and
bad pages), then recorded with each answer's status and the SHA-256 of its body.
`test/controller/test_recorded_answers.py` replays the recorded requests and compares.

    .venv/bin/python -m test.answers record    # only when a change means to change answers
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

from flask.testing import FlaskClient

from main.bootstrap import bootstrap
from main.controller.cli import DEMO_FILE
from main.controller.http.app import create_app
from main.schema.intake import accept_raw
from main.util.config import Settings

ROOT = Path(__file__).resolve().parents[1]
RECORDED = Path(__file__).resolve().parent / "recorded"
STORES = ("demo", "bench-100000")
API = "/api/v1"
PLACE_PATHS = ("countries", "cities", "industries")


def settings_for(folder: Path, graph: Path) -> Settings:
    return Settings.from_env(
        {"GRAPH_URL": f"sqlite:///{graph}", "VAR_DIR": str(folder), "API_KEYS": "k", "LOG_LEVEL": "WARNING"}
    )


@contextmanager
def served(store: str) -> Iterator[FlaskClient]:
    """A test client of the app over the named store, built as its data is built."""
    folder = Path(tempfile.mkdtemp(prefix="company-graph-answers-"))
    if store == "demo":
        graph = folder / "graph.db"
        container = bootstrap(settings_for(folder, graph), consume=False)
        lines = DEMO_FILE.read_text().splitlines()
        container.sync.apply_batch([accept_raw(line, container.skew).event for line in lines])
    else:
        from bench.http import ensure_store  # bench/reads' data, built once and kept under var/

        graph = ensure_store(int(store.removeprefix("bench-")))
        container = bootstrap(settings_for(folder, graph), consume=False)
    try:
        yield create_app(container).test_client()
    finally:
        container.close()


def answer(client: FlaskClient, path: str) -> list:
    response = client.get(path)
    return [response.status_code, hashlib.sha256(response.get_data()).hexdigest()]


def walk(client: FlaskClient, path: str, pages: int) -> list[str]:
    """`path` and the pages after it by `links.next`, up to `pages` in all."""
    walked = [path]
    while len(walked) < pages:
        body = client.get(walked[-1]).get_json()
        following = (body.get("links") or {}).get("next")
        if not following:
            break
        walked.append(following.removeprefix("http://localhost"))
    return walked


def read_paths(client: FlaskClient, companies: int) -> list[str]:
    """The requests to record, found by walking the store through the API."""
    ids = [
        item["id"]
        for page in walk(client, f"{API}/companies?per_page=100", 10_000)
        for item in client.get(page).get_json()["data"]
    ]
    sample = ids[:: max(1, len(ids) // companies)]
    paths = [
        f"{API}/companies/{quote(company, safe='')}{suffix}"
        for company in sample
        for suffix in ("", "/related", "/related?limit=5", "/graph?depth=1", "/graph?depth=2")
    ]
    largest: dict[str, list[str]] = {}
    for collection in PLACE_PATHS:
        pages = walk(client, f"{API}/{collection}?per_page=100", 10_000)
        paths += [*pages, f"{API}/{collection}?per_page=7&page=3"]
        keys = [item["key"] for page in pages for item in client.get(page).get_json()["data"]]
        largest[collection] = keys[:2]
        for key in keys[:5] + keys[-3:]:
            paths += walk(client, f"{API}/{collection}/{quote(key, safe='')}/companies?per_page=20", 3)
    words = sorted({name.split()[0].lower() for name in _names(client, sample[:8]) if name.split()})
    for q, country, city, industry in itertools.product(
        [None, "ltd", "a", "holdings", *words[:3]],
        [None, *largest["countries"]],
        [None, *largest["cities"][:1]],
        [None, *largest["industries"]],
    ):
        query = {"q": q, "country": country, "city": city, "industry": industry, "per_page": 10}
        search = f"{API}/companies?" + urlencode({k: v for k, v in query.items() if v is not None})
        paths += [*walk(client, search, 3), search + "&page=2"]
    paths += [
        f"{API}/companies/NO-SUCH-COMPANY",
        f"{API}/companies?page=99999",
        f"{API}/cities/XX-nowhere/companies",
    ]
    return list(dict.fromkeys(paths))


def _names(client: FlaskClient, ids: list[str]) -> list[str]:
    return [client.get(f"{API}/companies/{quote(i, safe='')}").get_json().get("name") or "" for i in ids]


def recorded_file(store: str) -> Path:
    return RECORDED / f"{store}-answers.json"


def record(store: str, companies: int) -> int:
    with served(store) as client:
        answers = {path: answer(client, path) for path in read_paths(client, companies)}
    RECORDED.mkdir(exist_ok=True)
    recorded_file(store).write_text(json.dumps(answers, indent=0, sort_keys=False) + "\n")
    return len(answers)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["record"])
    parser.add_argument("--stores", default=",".join(STORES))
    args = parser.parse_args()
    for store in args.stores.split(","):
        print(f"{store}: {record(store, 400 if store == 'demo' else 300)} answers recorded")


if __name__ == "__main__":
    main()
