"""Real servers for the tests, started by the project on loopback ports of their own.

RabbitMQ: Debian's rabbitmq-server (installed by `make test` when missing), a
node of our own beside any broker already running (own node name, ports, data
and log folders, owned by the rabbitmq user as Debian's wrappers require).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

SBIN = Path("/usr/sbin")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class RabbitNode:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = free_port()
        self.name = f"cgtest{self.port}@localhost"
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_PID_FILE": str(base / "rabbit.pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "enabled_plugins"),
            # Resolve host names from /etc/hosts only: a DNS lookup here waits ~10 s for nothing.
            "ERL_INETRC": str(base / "inetrc"),
        }

    @staticmethod
    def available() -> bool:
        return (SBIN / "rabbitmq-server").exists()

    def start(self, timeout: float = 60) -> None:
        for folder in ("mnesia", "log"):
            (self.base / folder).mkdir(parents=True, exist_ok=True)
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "inetrc").write_text('{hosts_file, "/etc/hosts"}.\n{lookup, [file]}.\n')
        shutil.chown(self.base, "rabbitmq", "rabbitmq")
        for path in self.base.rglob("*"):
            shutil.chown(path, "rabbitmq", "rabbitmq")
        subprocess.run([SBIN / "rabbitmq-server", "-detached"], env=self.env, check=True, capture_output=True)
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"RabbitMQ did not open port {self.port}: see {self.base / 'log'}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.ctl("stop", check=False)

    def ctl(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            [SBIN / "rabbitmqctl", "-n", self.name, *args], env=self.env, capture_output=True, text=True
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stderr or done.stdout}")
        return done.stdout

    def new_vhost(self) -> str:
        vhost = "t-" + uuid.uuid4().hex[:10]
        self.ctl("add_vhost", vhost)
        self.ctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        return vhost

    def url(self, vhost: str, **query: str) -> str:
        params = "&".join(f"{k}={v}" for k, v in query.items())
        return f"amqp://guest:guest@127.0.0.1:{self.port}/{vhost}" + (f"?{params}" if params else "")


class MemcachedServer:
    """Debian's memcached on a free loopback port, in the foreground so the test controls it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("memcached") is not None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 10) -> None:
        self.process = subprocess.Popen(
            ["memcached", "-u", "root", "-l", "127.0.0.1", "-p", str(self.port), "-U", "0", "-m", "64"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"memcached did not open port {self.port}")
            time.sleep(0.01)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
