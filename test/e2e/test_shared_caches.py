"""Every API process sees the worker's writes within the in-process TTL, through memcached.

The real thing: uWSGI with its two API processes, a `python -m main.worker` process,
RabbitMQ between them and memcached as the shared tier.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from pathlib import Path

import requests

from main.resources.sqlite.store import SqliteGraphStore
from test.conftest import new_id
from test.e2e.conftest import start_server
from test.e2e.test_served_by_uwsgi import post_event
from test.e2e.workers import consuming, start_worker
from test.helpers import wait_until

TTL = 1.0


def test_an_update_by_the_worker_reaches_every_api_process_within_the_local_ttl(
    tmp_path: Path, amqp_url: str, memcached
) -> None:
    graph_url = f"sqlite:///{tmp_path}/graph.db"
    shared = {"AMQP_URL": amqp_url, "MEMCACHED_SERVERS": memcached.address}
    exits: dict[str, int] = {}
    # Whatever fails first, both processes are stopped; their exit codes are checked after.
    with contextlib.ExitStack() as cleanup:
        server = start_server(tmp_path, CACHE_TTL_SECONDS=str(TTL), **shared)
        cleanup.callback(lambda: exits.update(uwsgi=server.stop()))
        worker = start_worker(graph_url, amqp_url, tmp_path / "worker.log", **shared)
        cleanup.callback(lambda: exits.update(worker=stop(worker)))
        graph = cleanup.enter_context(contextlib.closing(SqliteGraphStore(graph_url)))
        # Start-up (imports, the gazetteer) is not what is tested, and is slow on a busy machine:
        # the timed steps below begin once the worker consumes.
        wait_until(lambda: consuming(amqp_url), timeout=90, interval=0.2)
        url = f"{server.url}/api/v1/companies/{new_id()}"

        def names(count: int = 20) -> set[str | None]:
            """Enough requests that both uWSGI processes answer some of them."""
            return {requests.get(url, timeout=5).json().get("name") for _ in range(count)}

        company_id = url.rsplit("/", 1)[1]
        created = {"eventType": "company-created", "occurredAt": "2026-01-01T00:00:00Z"}
        assert post_event(server, {**created, "data": {"id": company_id, "name": "Old"}}).status_code == 202
        wait_until(lambda: names(4) == {"Old"}, timeout=10, interval=0.05)
        assert names() == {"Old"}, "every process has the company cached"

        updated = {"eventType": "company-updated", "occurredAt": "2026-01-02T00:00:00Z"}
        assert post_event(server, {**updated, "data": {"id": company_id, "name": "New"}}).status_code == 202
        wait_until(lambda: graph.get_company(company_id)["name"] == "New", timeout=10, interval=0.02)
        time.sleep(TTL + 0.2)  # the freshness bound itself: what is cached may live this long, no longer
        assert names() == {"New"}, "no process still serves the old name after the TTL"
    assert exits == {"worker": 0, "uwsgi": 0}, (tmp_path / "worker.log").read_text()[-2000:]


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(30)
