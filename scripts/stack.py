"""`make stack`: the production shape on this machine, without Docker.

nginx on 127.0.0.1:PORT in front of uWSGI's unix socket, the sync worker, a RabbitMQ
node and a memcached of the stack's own (on free loopback ports, beside any others),
and the embedded SQLite graph under var/stack/ (demo data on first run).

What the stack keeps lives under var/stack/: the graph, the API key, the logs, and
the broker's node (its name and data), so events queued while the stack was down,
or while its worker was, are applied after the next start. Only the socket and
nginx's cache live in a temporary folder (nginx's workers must reach them, and a
checkout may sit where they cannot), removed when the stack stops.

Ctrl-C or SIGTERM, however the stack was started (a shell starting it in the
background hands it an ignored SIGINT), stops everything it started, in order:
nginx stops taking requests, uWSGI finishes what it serves, the worker settles
what it holds, then the broker and memcached. A stack killed outright is cleaned
up by the next `make stack`, which stops what the last one left running first.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from main.util.config import API_KEY_FILE, Settings  # noqa: E402
from test.servers import MemcachedServer, PortTaken, RabbitNode, port_open  # noqa: E402

BIN = Path(sys.executable).parent
RUNNING = "running.json"
NGINX = "/usr/sbin/nginx"
STATE = ROOT / "var" / "stack"


def node_name(state: Path) -> str:
    """The broker's node name, the same for a state folder at every start (its data is filed
    under it) and another for another folder: two checkouts' stacks, or a test's beside a
    user's, must not claim one name."""
    digest = hashlib.sha256(str(state.resolve()).encode()).hexdigest()[:8]
    return f"company-graph-stack-{digest}@localhost"


# The node's own default vhost: it is there from the first start, with nothing to create
VHOST = "%2F"


class Stack:
    def __init__(self, port: int, state: Path) -> None:
        self.port = port
        self.state = state
        # Outside the checkout: nginx's workers (user nobody) must reach the socket and their
        # cache, and a checkout may sit in a folder only root can enter.
        self.runtime = Path(tempfile.mkdtemp(prefix="company-graph-stack-"))
        self.runtime.chmod(0o755)
        self.logs = state / "log"
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.rabbit = RabbitNode(state / "rabbitmq", name=node_name(state))
        self.memcached = MemcachedServer()

    def start(self) -> None:
        """The broker boots in the background (seconds, most of a warm start) while the rest
        starts; the worker, which consumes from it, starts once it answers."""
        self.logs.mkdir(parents=True, exist_ok=True)
        reachable_by_the_broker(self.state)
        print("starting RabbitMQ, memcached, uWSGI and nginx ...", flush=True)
        self.rabbit.launch()
        self._remember()
        self.memcached.start()
        self._remember()
        if not (self.state / "graph.db").exists():
            print("first run: loading the demo companies ...", flush=True)
            subprocess.run([sys.executable, "-m", "main.cli", "demo"], cwd=ROOT, env=self._env(), check=True)
        key = Settings.from_env(self._env()).with_api_keys().api_keys[0]
        self._spawn("uwsgi", self._uwsgi(), self._env())
        self._spawn("nginx", self._nginx(), self._env())
        try:
            self.rabbit.wait_started()
        except PortTaken:  # taken since it was found free: the broker and the API move
            self.rabbit.stop()
            self.rabbit.start()
            self._remember()
            self._stop("uwsgi")
            self._spawn("uwsgi", self._uwsgi(), self._env())
        self._spawn("worker", [sys.executable, "-m", "main.worker"], self._env())
        self._wait_until_served()
        worker_metrics = os.environ.get("METRICS_PORT", "9102")
        print(
            f"""
  company-graph stack is up (Ctrl-C stops it): nginx -> uWSGI, worker, RabbitMQ, memcached
  API:         http://127.0.0.1:{self.port}/api/v1/companies
  Swagger UI:  http://127.0.0.1:{self.port}/docs
  metrics:     http://127.0.0.1:{self.port}/metrics (API), :{worker_metrics}/metrics (worker)
  API key:     {key}   (in {self.state / API_KEY_FILE}; or: VAR_DIR={self.state} python -m main.cli api-key)
  RabbitMQ:    {self.rabbit.url(VHOST)}   (data: {self.rabbit.base})
  memcached:   {self.memcached.address}
  logs:        {self.logs}/ (access.log, uwsgi.log, worker.log)
""",
            flush=True,
        )

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "GRAPH_URL": f"sqlite:///{self.state / 'graph.db'}",
            "VAR_DIR": str(self.state),
            "AMQP_URL": self.rabbit.url(VHOST),
            "MEMCACHED_SERVERS": self.memcached.address,
            "PROXY_HOPS": "1",
            "PYTHONPATH": str(ROOT),
        }

    def _uwsgi(self) -> list[str]:
        socket = self.runtime / "uwsgi.sock"
        return [
            str(BIN / "uwsgi"),
            "--ini",
            str(ROOT / "uwsgi.ini"),
            "--socket",
            str(socket),
            "--chmod-socket=666",
        ]

    def _nginx(self) -> list[str]:
        conf = subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "nginx_conf.py"),
                "--prefix",
                str(self.runtime / "nginx"),
                "--listen",
                f"127.0.0.1:{self.port}",
                "--socket",
                str(self.runtime / "uwsgi.sock"),
                "--log-dir",
                str(self.logs),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return [NGINX, "-p", str(Path(conf).parent), "-c", conf, "-g", "daemon off;"]

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        # a session of its own: Ctrl-C reaches the stack alone, which stops each in turn
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))
        self._remember()

    def _stop(self, name: str) -> None:
        """Gracefully, in the way each server finishes what it holds."""
        for own, process in self.processes:
            if own == name and process.poll() is None:
                process.send_signal(STOPS[name])
                try:
                    process.wait(40)
                except subprocess.TimeoutExpired:
                    process.kill()

    def _remember(self) -> None:
        """What runs now, so that the next stack can stop it if this one is killed outright."""
        (self.state / RUNNING).write_text(
            json.dumps(
                {
                    "pids": [p.pid for _, p in self.processes]
                    + ([self.memcached.process.pid] if self.memcached.process else []),
                    "named": {name: p.pid for name, p in self.processes},
                    "rabbit": {
                        k: v for k, v in self.rabbit.env.items() if k.startswith(("RABBITMQ_", "ERL_"))
                    },
                    "runtime": str(self.runtime),
                }
            )
        )

    def _wait_until_served(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/ready"
        while time.monotonic() < deadline:
            for name, process in self.processes:
                if process.poll() is not None:
                    raise SystemExit(f"{name} exited with {process.returncode}: see {self.logs}/{name}.log")
            with contextlib.suppress(requests.RequestException):
                if port_open(self.port) and requests.get(url, timeout=2).ok:
                    return
            time.sleep(0.2)
        raise SystemExit(f"the stack did not answer {url} within {timeout:.0f} s: see {self.logs}/")

    def stop(self) -> None:
        for name in ("nginx", "uwsgi", "worker"):
            self._stop(name)
        self.memcached.stop()
        self.rabbit.stop()
        shutil.rmtree(self.runtime, ignore_errors=True)
        (self.state / RUNNING).unlink(missing_ok=True)
        print("stack stopped", flush=True)


STOPS = {"nginx": signal.SIGQUIT, "uwsgi": signal.SIGTERM, "worker": signal.SIGTERM}


def reachable_by_the_broker(state: Path) -> None:
    """Debian's RabbitMQ runs as the rabbitmq user: its data folder's parents must let it through."""
    for folder in [state.resolve(), *state.resolve().parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            raise SystemExit(
                f"RabbitMQ (user rabbitmq) cannot reach {state}: {folder} is closed to others"
                f" (chmod o+x {folder}, or pass --state a folder it can reach)"
            )


def stop_leftovers(state: Path) -> None:
    """Stop what a stack killed outright left running (its pids and its broker node)."""
    running = state / RUNNING
    if not running.exists():
        return
    left = json.loads(running.read_text())
    for pid in left["pids"]:
        # the servers were started in sessions of their own: a group holds a server's workers too
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if left.get("rabbit"):
        node = left["rabbit"]["RABBITMQ_NODENAME"]
        subprocess.run(
            ["/usr/sbin/rabbitmqctl", "-n", node, "stop"],
            env={**os.environ, **left["rabbit"]},
            capture_output=True,
        )
    if left.get("runtime"):
        shutil.rmtree(left["runtime"], ignore_errors=True)
    running.unlink(missing_ok=True)
    print("stopped what the last stack left running", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    parser.add_argument("--state", type=Path, default=STATE, help="the graph, the API key, what runs")
    args = parser.parse_args()
    stop_leftovers(args.state)
    stack = Stack(args.port, args.state)
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    # both, explicitly: started in the background, a shell hands the stack an ignored SIGINT
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        stack.start()
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()


if __name__ == "__main__":
    main()
