"""Stopping the serving path under load: every request uWSGI took is answered, every event
it accepted is kept."""

from __future__ import annotations

import collections
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from test.conftest import new_id
from test.e2e.test_behind_nginx import API_KEY, answers_ok, nginx_folder, start_nginx, start_uwsgi
from test.helpers import wait_until


@dataclass
class Load:
    """Eight clients through nginx, half posting events, half searching, until stopped."""

    url: str
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    bodies: list[dict] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _clients: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Load:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        self._clients = [threading.Thread(target=self._run, args=(n % 2 == 0,)) for n in range(8)]
        for client in self._clients:
            client.start()
        wait_until(lambda: len(self.accepted) > 200, timeout=30)

    def stop(self) -> None:
        self._stop.set()
        for client in self._clients:
            client.join()

    def _run(self, writer: bool) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                company_id = new_id()
                data = {"id": company_id, "name": "Load Co", "location": "Berlin, Germany"}
                try:
                    if writer:
                        answer = session.post(
                            f"{self.url}/api/v1/events",
                            json={"eventType": "company-created", "data": data},
                            headers={"X-API-Key": API_KEY},
                            timeout=10,
                        )
                    else:
                        answer = session.get(f"{self.url}/api/v1/companies?q=load", timeout=10)
                except requests.ConnectionError:
                    continue  # nginx has stopped listening: refused, never half-answered
                self.statuses[answer.status_code] += 1
                if answer.status_code == 202:
                    self.accepted.append(company_id.upper())
                elif answer.status_code != 200:
                    self.bodies.append(answer.json())


@dataclass
class Serving:
    folder: Path
    socket: Path
    port: int
    uwsgi: subprocess.Popen
    nginx: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    def stop(process: subprocess.Popen, signum: int) -> None:
        process.send_signal(signum)
        assert process.wait(30) == 0

    def restart(self) -> None:
        self.uwsgi = start_uwsgi(self.folder, self.socket)
        if self.nginx.poll() is not None:
            self.nginx = start_nginx(self.folder, self.socket, self.port).process
        wait_until(lambda: answers_ok(f"{self.url}/health"), timeout=60, interval=0.1)

    def total(self) -> int:
        found = requests.get(f"{self.url}/api/v1/companies?per_page=1", timeout=5).json()
        return found["pagination"]["total"]


@pytest.fixture
def serving() -> Iterator[Serving]:
    folder = nginx_folder()
    socket = folder / "uwsgi.sock"
    uwsgi = start_uwsgi(folder, socket)
    nginx = start_nginx(folder, socket, rate="100000", burst="100000")
    running = Serving(folder, socket, nginx.port, uwsgi, nginx.process)
    wait_until(lambda: answers_ok(f"{running.url}/health"), timeout=60, interval=0.1)
    yield running
    shutil.rmtree(folder, ignore_errors=True)


def test_stopping_nginx_then_uwsgi_under_load_answers_every_request(serving: Serving) -> None:
    """The production order (`make stack`, the pod's preStop): nginx finishes what it holds."""
    with Load(serving.url) as load:
        serving.stop(serving.nginx, signal.SIGQUIT)
        serving.stop(serving.uwsgi, signal.SIGTERM)
    assert set(load.statuses) <= {200, 202}, (load.statuses, load.bodies[:5])
    serving.restart()
    assert serving.total() == len(load.accepted)


def test_sigterm_to_uwsgi_alone_under_load_keeps_every_event_it_accepted(serving: Serving) -> None:
    """die-on-term and Python's atexit lost 58 of 1,509 accepted events this way."""
    with Load(serving.url) as load:
        serving.stop(serving.uwsgi, signal.SIGTERM)
    # Requests still in uWSGI's listen queue when it stops are dropped (unbit/uwsgi#2693):
    # nginx answers those, and every one after, with its JSON 502; nothing else fails.
    assert set(load.statuses) <= {200, 202, 502}, load.statuses
    assert all(body["code"] == 502 and "errors" in body for body in load.bodies)
    serving.restart()
    assert serving.total() == len(load.accepted)


def test_a_graceful_reload_under_load_answers_every_request_and_keeps_every_event(serving: Serving) -> None:
    """SIGHUP (a deploy of new code, a config change): the socket stays open, each worker
    finishes its request and drains its bus, and the new ones take the queue nginx kept."""
    with Load(serving.url) as load:
        log = serving.folder / "uwsgi.log"
        reloads = log.read_text().count("WSGI app 0 (mountpoint='') ready")
        serving.uwsgi.send_signal(signal.SIGHUP)
        wait_until(
            lambda: log.read_text().count("WSGI app 0 (mountpoint='') ready") >= reloads + 2, timeout=60
        )
        served = len(load.accepted)
        wait_until(lambda: len(load.accepted) > served + 50, timeout=30)  # the new workers serve
    assert set(load.statuses) <= {200, 202}, (load.statuses, load.bodies[:5])
    # the last events accepted may still be on their way through the bus
    assert wait_until(lambda: serving.total() == len(load.accepted), timeout=10)
