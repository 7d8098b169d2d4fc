"""Start the real server, uWSGI with the project's uwsgi.ini, on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from test.browser import browser_type_launch_args, watched  # noqa: F401 (fixtures for the browser tests)
from test.e2e.workers import reap, started, track
from test.helpers import wait_until
from test.servers import PortTaken, free_port, on_free_port, port_taken

ROOT = Path(__file__).resolve().parents[2]
UWSGI = Path(sys.executable).parent / "uwsgi"


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    api_key: str
    log: Path

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)


def start_server(tmp_path: Path, api_key: str = "e2e-key", **extra_env: str) -> Server:
    """uWSGI as `make run` starts it, once it answers /health (on another port if its was taken)."""

    def start(port: int) -> Server:
        server = spawn_server(tmp_path, api_key, port, **extra_env)

        def healthy() -> bool:
            if server.process.poll() is not None:
                text = server.log.read_text(errors="replace")
                if port_taken(text):
                    raise PortTaken(f"uWSGI: port {port} taken")
                raise AssertionError(f"uWSGI exited: {text[-2000:]}")
            try:
                return requests.get(f"{server.url}/health", timeout=1).ok
            except requests.RequestException:
                return False

        wait_until(healthy, timeout=30, interval=0.1)
        return server

    return on_free_port(start)


def spawn_server(
    tmp_path: Path, api_key: str = "e2e-key", port: int | None = None, **extra_env: str
) -> Server:
    """uWSGI as `make run` starts it, without waiting for it."""
    port = port or free_port()
    env = {
        **os.environ,
        "GRAPH_URL": f"sqlite:///{tmp_path}/graph.db",
        "VAR_DIR": str(tmp_path / "var"),
        "API_KEYS": api_key,
        "PYTHONPATH": str(ROOT),
        "PORT": str(port),
        **extra_env,
    }
    log = tmp_path / "uwsgi.log"
    process = subprocess.Popen(
        [str(UWSGI), "--ini", f"{ROOT / 'uwsgi.ini'}:http", "--chdir", str(ROOT)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    track(process)
    return Server(f"http://127.0.0.1:{port}", process, api_key, log)


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test() -> Iterator[None]:
    """Processes of wider-scoped fixtures, started before, stay for the tests that share them."""
    before = len(started)
    yield
    reap(keep=before)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(tmp_path)
    yield running
    running.stop()
