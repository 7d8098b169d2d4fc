"""`make stack` (scripts/stack.py): the production shape starts, serves through nginx to the
worker and back, stops everything on Ctrl-C, and starts cleanly again, even after a kill."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from test.conftest import new_id
from test.e2e.conftest import ROOT
from test.e2e.workers import track
from test.helpers import company_event, wait_until
from test.servers import free_port


def start(state: Path, port: int, log: Path, ignore_sigint: bool = False) -> subprocess.Popen:
    """`make stack` on `state`; with `ignore_sigint`, as a shell's `make stack &` starts it."""

    def ignoring() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    process = track(
        subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "stack.py"), "--port", str(port), "--state", str(state)],
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=ignoring if ignore_sigint else None,
        )
    )
    wait_until(
        lambda: "stack is up" in log.read_text() or process.poll() is not None, timeout=120, interval=0.2
    )
    assert process.poll() is None, log.read_text()[-3000:]
    return process


def started_pids(state: Path) -> list[int]:
    return json.loads((state / "running.json").read_text())["pids"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


@pytest.fixture
def state() -> Iterator[Path]:
    """Outside pytest's private temp tree: the broker's data lives here, and it runs as rabbitmq."""
    folder = Path(tempfile.mkdtemp(prefix="company-graph-stack-test-"))
    folder.chmod(0o755)
    yield folder / "state"
    shutil.rmtree(folder, ignore_errors=True)


def runtime_of(state: Path) -> Path:
    return Path(json.loads((state / "running.json").read_text())["runtime"])


def test_the_stack_serves_stops_and_starts_again(tmp_path: Path, state: Path) -> None:
    port, log = free_port(), tmp_path / "stack.log"
    stack = start(state, port, log)
    url = f"http://127.0.0.1:{port}"
    key = (state / "api-key").read_text().strip()
    event = company_event(company_id=new_id(), name="Stacked Ltd")
    assert (
        requests.post(f"{url}/api/v1/events", json=event, headers={"X-API-Key": key}, timeout=5).status_code
        == 202
    )
    company = f"{url}/api/v1/companies/{event['data']['id']}"
    wait_until(lambda: requests.get(company, headers={"X-API-Key": key}, timeout=5).ok, timeout=20)
    pids, runtime = started_pids(state), runtime_of(state)

    stack.send_signal(signal.SIGINT)
    assert stack.wait(90) == 0
    assert "stack stopped" in log.read_text()
    assert not any(alive(pid) for pid in pids), "Ctrl-C stops everything the stack started"
    assert not (state / "running.json").exists()
    assert not runtime.exists(), "nothing is left in the temporary folder"

    killed = start(state, port, tmp_path / "second.log")
    assert requests.get(company, timeout=5).json()["name"] == "Stacked Ltd", "the graph outlives the stack"
    pids = started_pids(state)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait(10)

    again = start(state, port, tmp_path / "third.log")
    assert "stopped what the last stack left running" in (tmp_path / "third.log").read_text()
    assert not any(alive(pid) for pid in pids)
    again.send_signal(signal.SIGINT)
    assert again.wait(90) == 0


def test_events_queued_while_the_worker_is_down_are_applied_after_a_restart(
    tmp_path: Path, state: Path
) -> None:
    port = free_port()
    stack = start(state, port, tmp_path / "first.log", ignore_sigint=True)
    url, key = f"http://127.0.0.1:{port}", (state / "api-key").read_text().strip()
    worker = json.loads((state / "running.json").read_text())["named"]["worker"]
    os.kill(worker, signal.SIGTERM)
    wait_until(lambda: not alive(worker), timeout=40)
    ids = [new_id() for _ in range(20)]
    for company_id in ids:
        event = company_event(company_id=company_id, name="Queued Ltd")
        posted = requests.post(f"{url}/api/v1/events", json=event, headers={"X-API-Key": key}, timeout=5)
        assert posted.status_code == 202
    assert requests.get(f"{url}/api/v1/companies/{ids[-1]}", timeout=5).status_code == 404

    stack.send_signal(signal.SIGINT)  # ignored at its start, as `make stack &` leaves it
    assert stack.wait(90) == 0

    again = start(state, port, tmp_path / "second.log")
    applied = wait_until(
        lambda: all(requests.get(f"{url}/api/v1/companies/{i}", timeout=5).ok for i in ids), timeout=60
    )
    assert applied
    again.send_signal(signal.SIGTERM)
    assert again.wait(90) == 0
