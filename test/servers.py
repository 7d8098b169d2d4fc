"""Real servers for the tests, started by the project on loopback ports of their own.

RabbitMQ: Debian's rabbitmq-server (installed by `make test` when missing), a
node of our own beside any broker already running (own node name, ports, data
and log folders, owned by the rabbitmq user as Debian's wrappers require).
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

SBIN = Path("/usr/sbin")
T = TypeVar("T")
# Ports handed out by this process: never twice, even once a server has let one go.
_handed: set[int] = set()


class PortTaken(RuntimeError):
    """A server could not bind the port it was given: start it again on another."""


def ephemeral_range() -> tuple[int, int]:
    """The ports the kernel gives outgoing connections (and bind(0)) their source port from."""
    try:
        low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


def free_port() -> int:
    """A loopback port outside the ephemeral range, free now.

    bind(0) hands out a port from the ephemeral range, the same range every outgoing
    connection (to RabbitMQ, memcached, between Erlang nodes) takes its source port
    from: any of them could take it before the server binds it. Outside that range
    only a server binding it on purpose can, and a random pick keeps two test runs
    on one machine apart; the servers' starters retry on `PortTaken` all the same.
    """
    low, high = ephemeral_range()
    pool = range(20000, low) if low > 21000 else range(high + 1, 65536)
    for _ in range(1000):
        port = random.choice(pool)
        if port in _handed:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed.add(port)
        return port
    raise RuntimeError(f"no free loopback port in {pool}")


def on_free_port(start: Callable[[int], T], attempts: int = 5) -> T:
    """`start(port)` on a free port, again on another each time the port was taken meanwhile."""
    for attempt in range(attempts):
        try:
            return start(free_port())
        except PortTaken:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def port_taken(log_text: str) -> bool:
    return "address already in use" in log_text.lower() or "eaddrinuse" in log_text.lower()


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class RabbitNode:
    def __init__(self, base: Path, name: str | None = None) -> None:
        self.base = base
        self.fixed_name = name
        self._logged: dict[Path, int] = {}
        self._ports(free_port())

    def _ports(self, port: int) -> None:
        self.port = port
        self.name = self.fixed_name or f"cgtest{self.port}@localhost"
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_PID_FILE": str(self.base / "rabbit.pid"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            # Resolve host names from /etc/hosts only: a DNS lookup here waits ~10 s for nothing.
            "ERL_INETRC": str(self.base / "inetrc"),
        }

    @staticmethod
    def available() -> bool:
        return (SBIN / "rabbitmq-server").exists()

    def start(self, timeout: float = 60, attempts: int = 5) -> None:
        """Started, on other ports each time a port was taken meanwhile."""
        for attempt in range(attempts):
            self.launch()
            try:
                return self.wait_started(timeout)
            except PortTaken:
                self.stop()
                if attempt == attempts - 1:
                    raise
                self._ports(free_port())

    def launch(self) -> None:
        """The node started in the background (`rabbitmq-server -detached` returns at once)."""
        for folder in ("mnesia", "log"):
            (self.base / folder).mkdir(parents=True, exist_ok=True)
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "inetrc").write_text('{hosts_file, "/etc/hosts"}.\n{lookup, [file]}.\n')
        shutil.chown(self.base, "rabbitmq", "rabbitmq")
        for path in self.base.rglob("*"):
            shutil.chown(path, "rabbitmq", "rabbitmq")
        self._logged = {path: path.stat().st_size for path in self._logs()}
        subprocess.run([SBIN / "rabbitmq-server", "-detached"], env=self.env, check=True, capture_output=True)

    def wait_started(self, timeout: float = 60) -> None:
        """Once its AMQP port answers; `PortTaken` when its log says a port was taken."""
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if port_taken(self._logged_since_launch()):
                raise PortTaken(f"RabbitMQ: port {self.port} or {self.env['RABBITMQ_DIST_PORT']} taken")
            if time.monotonic() > deadline:
                raise RuntimeError(f"RabbitMQ did not open port {self.port}: see {self.base / 'log'}")
            time.sleep(0.1)

    def _logs(self) -> list[Path]:
        return [path for path in (self.base / "log").glob("*.log") if path.is_file()]

    def _logged_since_launch(self) -> str:
        """A kept node's log holds earlier starts: only what this one wrote counts."""
        text = ""
        for path in self._logs():
            with path.open("rb") as log:
                log.seek(self._logged.get(path, 0))
                text += log.read().decode(errors="replace")
        return text

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
        """Started, on another port each time its port was taken meanwhile."""

        def start_on(port: int) -> None:
            self.port = port
            self._start(timeout)

        try:
            self._start(timeout)
        except PortTaken:
            on_free_port(start_on)

    def _start(self, timeout: float) -> None:
        errors = tempfile.TemporaryFile()  # noqa: SIM115 - read only if memcached exits
        self.process = subprocess.Popen(
            ["memcached", "-u", "root", "-l", "127.0.0.1", "-p", str(self.port), "-U", "0", "-m", "64"],
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self.process.poll() is not None:
                errors.seek(0)
                error = errors.read().decode(errors="replace")
                if port_taken(error):
                    raise PortTaken(f"memcached: port {self.port} taken")
                raise RuntimeError(f"memcached exited: {error}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"memcached did not open port {self.port}")
            time.sleep(0.01)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
