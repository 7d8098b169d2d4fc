"""The image's entry point (docker/entrypoint.sh) run here as plain processes, as the
container runs them: no Docker engine is needed to prove the commands and their wiring."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from test.e2e.conftest import ROOT
from test.e2e.workers import track
from test.helpers import wait_until
from test.servers import free_port
from test.test_nginx_config import render

ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What the Dockerfile's ENV sets, pointed at this test's folder and free ports."""
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "VAR_DIR": str(tmp_path / "var"),
        "GRAPH_URL": f"sqlite:///{tmp_path}/graph.db",
        "PROXY_HOPS": "1",
        "SOCKET_PORT": str(free_port()),
        "PROBE_PORT": str(free_port()),
        "METRICS_PORT": str(free_port()),
        "API_KEYS": "image-key",
        **extra,
    }


def start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return track(
        subprocess.Popen(
            [str(ENTRYPOINT), command],
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    )


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ENTRYPOINT), *args], env=env, capture_output=True, text=True, timeout=120)


def healthy(env: dict[str, str]) -> bool:
    return run(env, "healthcheck").returncode == 0


def test_api_serves_probes_on_http_and_nginx_over_the_uwsgi_port(tmp_path: Path) -> None:
    env = environment(tmp_path)
    assert not healthy(env), "nothing runs yet"
    api = start("api", env, tmp_path / "api.log")
    probe = f"http://127.0.0.1:{env['PROBE_PORT']}"
    assert wait_until(lambda: healthy(env), timeout=60, interval=0.5), (tmp_path / "api.log").read_text()
    assert requests.get(f"{probe}/ready", timeout=5).json()["checks"] == {"graph": "ok"}
    assert "http_requests_total" in requests.get(f"{probe}/metrics", timeout=5).text
    nginx_port = free_port()
    conf = render(
        tmp_path / "nginx", listen=f"127.0.0.1:{nginx_port}", upstream=f"127.0.0.1:{env['SOCKET_PORT']}"
    )
    track(subprocess.Popen(["/usr/sbin/nginx", "-c", str(conf), "-g", "daemon off;"], start_new_session=True))
    front = f"http://127.0.0.1:{nginx_port}"
    wait_until(lambda: _answers(f"{front}/health"), timeout=20, interval=0.1)
    answer = requests.get(f"{front}/api/v1/companies", timeout=5)
    assert answer.status_code == 200 and answer.json()["links"]["self"] == "/api/v1/companies?"
    assert answer.headers["X-Request-Id"], "nginx's id, passed to the app and returned"
    api.send_signal(signal.SIGTERM)
    assert api.wait(60) == 0
    assert not healthy(env)


def test_migrate_brings_the_schema_up_and_exits(tmp_path: Path) -> None:
    done = run(environment(tmp_path), "migrate")
    assert done.returncode == 0, done.stderr
    assert "schema version" in done.stdout and (tmp_path / "graph.db").exists()


def test_any_other_command_is_the_cli(tmp_path: Path) -> None:
    env = environment(tmp_path)
    assert run(env, "api-key").stdout.strip() == "image-key"
    unknown = run(env, "no-such-command")
    assert unknown.returncode == 2 and "No such command" in unknown.stderr


def test_worker_consumes_and_answers_the_healthcheck_on_its_metrics_port(
    tmp_path: Path, amqp_url: str
) -> None:
    env = environment(tmp_path, AMQP_URL=amqp_url)
    worker = start("worker", env, tmp_path / "worker.log")
    assert wait_until(lambda: healthy(env), timeout=60, interval=0.5), (tmp_path / "worker.log").read_text()
    metrics = requests.get(f"http://127.0.0.1:{env['METRICS_PORT']}/metrics", timeout=5).text
    assert 'broker_queue_consumers{queue="q.events.sync-service.company-created"} 1.0' in metrics
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(60) == 0
    assert not healthy(env)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False
