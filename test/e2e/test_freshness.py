"""A change committed by one uWSGI process is served by the other within the store's freshness
bound, a delete included, whatever the cache TTL: each process drops its caches when the
store's generation moves. On SQLite the bound is zero (each request reads the file's change
counter); on ArangoDB, 0.2 s (each process reads the generation document at most that often)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from test.conftest import new_id
from test.contract.conftest import drop_database, store_url
from test.e2e.conftest import start_server
from test.e2e.test_served_by_uwsgi import post_event
from test.helpers import wait_until


@pytest.mark.parametrize("store", ["sqlite", "arangodb"])
def test_after_a_delete_no_process_serves_the_company_again(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    bound, extra = 0.0, {}
    if store == "arangodb":
        bound, extra = 0.2, {"GRAPH_URL": store_url("arangodb", tmp_path)}
        request.addfinalizer(lambda: drop_database(extra["GRAPH_URL"]))
    # A TTL far longer than the test: only invalidation can make the delete visible in time.
    server = start_server(tmp_path, CACHE_TTL_SECONDS="300", **extra)
    company_id = new_id()
    url = f"{server.url}/api/v1/companies/{company_id}"
    created = {"eventType": "company-created", "data": {"id": company_id, "name": "Doomed Ltd"}}
    assert post_event(server, created).status_code == 202
    wait_until(lambda: all(requests.get(url, timeout=5).ok for _ in range(20)), timeout=10)
    # both processes now hold the company in their caches (20 requests reach both)
    assert post_event(server, {"eventType": "company-deleted", "data": {"id": company_id}}).status_code == 202
    answers: list[tuple[float, int]] = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        answers.append((time.monotonic(), requests.get(url, timeout=5).status_code))
    statuses = [status for _, status in answers]
    assert 404 in statuses, "the delete was applied"
    first_gone = statuses.index(404)
    gone_at = answers[first_gone][0]
    stale = [at - gone_at for at, status in answers[first_gone:] if status == 200 and at - gone_at >= bound]
    assert stale == [], f"{len(stale)} answers more than {bound} s after the delete were a 200"
    assert first_gone < len(answers) // 2, "applied quickly, so most of the answers are after it"
