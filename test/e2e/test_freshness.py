"""A change committed by one uWSGI process is served by the other at once, a delete included,
whatever the cache TTL: each process drops its caches when the store's generation moves."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from test.conftest import new_id
from test.e2e.conftest import start_server
from test.e2e.test_served_by_uwsgi import post_event
from test.helpers import wait_until


def test_after_a_delete_no_process_serves_the_company_again(tmp_path: Path) -> None:
    # A TTL far longer than the test: only invalidation can make the delete visible in time.
    server = start_server(tmp_path, CACHE_TTL_SECONDS="300")
    company_id = new_id()
    url = f"{server.url}/api/v1/companies/{company_id}"
    created = {"eventType": "company-created", "data": {"id": company_id, "name": "Doomed Ltd"}}
    assert post_event(server, created).status_code == 202
    wait_until(lambda: all(requests.get(url, timeout=5).ok for _ in range(20)), timeout=10)
    # both processes now hold the company in their caches (20 requests reach both)
    assert post_event(server, {"eventType": "company-deleted", "data": {"id": company_id}}).status_code == 202
    answers: list[int] = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        answers.append(requests.get(url, timeout=5).status_code)
    assert 404 in answers, "the delete was applied"
    first_gone = answers.index(404)
    stale = answers[first_gone:].count(200)
    assert stale == 0, f"{stale} of {len(answers) - first_gone} answers after the delete were a 200"
    assert first_gone < len(answers) // 2, "applied quickly, so most of the answers are after it"
