"""bench/http: the API through nginx and uWSGI, against the ceilings of the same layout.

In one run, through one nginx configuration (the project's own, nginx/) and the project's
uwsgi.ini: nginx answering `return 200` itself, hello-world Flask on the API's uWSGI
layout (the baseline), then each route of the API on a store of --size companies (the
1,000,000-company store of bench/reads, built there first if missing; hubs included):

    cached      the same company, /health: answered from the worker's in-process cache
    uncached    a random company, word, page or neighbourhood each request (a million of
                them: the caches rarely hold one), so the store answers; the store file
                is read through first, so the store answers from memory (page_in)
    micro-cache the same reads once more with CACHE_TTL_SECONDS=10: nginx answers them

wrk (Debian's package, `make bench-http` installs it) drives each route for --seconds with
--connections over 2 threads; the table gives req/s, p50 and p99 in ms, and the ratio of
req/s to hello-world (and, for the micro-cache, to nginx's `return 200`) measured right
before that route, all servers up at once. Then the proportional set size (PSS) of each
uWSGI process, read from /proc.

    .venv/bin/python -m bench.http                     # make bench-http
    .venv/bin/python -m bench.http --size 10000 --seconds 5
    .venv/bin/python -m bench.http --layouts 2x1,3x1,2x2,4x1   # uWSGI processes x threads
    .venv/bin/python -m bench.http --observability     # what metrics, logs and traces cost

The load generator shares the machine's cores with the servers: compare the ratios of
one run, not figures of different days (FIELD-NOTES).
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import http.server
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.reads import DATA_VERSION, SYLLABLES, build
from main.bootstrap import bootstrap
from main.util.config import Settings
from test.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NGINX = "/usr/sbin/nginx"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
LUA = Path(__file__).with_name("wrk_paths.lua")
DRAWS = 20_000  # distinct paths per uncached route


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    failures: int


@dataclass
class Served:
    url: str
    uwsgi: subprocess.Popen


class Bench:
    def __init__(self, folder: Path, store: Path, size: int, seconds: int, connections: int) -> None:
        self.folder = folder
        self.store = store
        self.size = size
        self.seconds = seconds
        self.connections = connections
        self.processes: list[subprocess.Popen] = []

    def wrk(self, url: str, paths: list[str]) -> Result:
        listing = self.folder / "paths.txt"
        listing.write_text("\n".join(paths) + "\n")
        done = subprocess.run(
            [
                WRK,
                "-t2",
                f"-c{self.connections}",
                f"-d{self.seconds}s",
                "-s",
                str(LUA),
                url,
                "--",
                str(listing),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
        found = json.loads(line.removeprefix("RESULT "))
        return Result(
            found["requests"] / found["seconds"],
            found["p50_us"] / 1000,
            found["p99_us"] / 1000,
            found["non_2xx"] + found["socket_errors"],
        )

    def spawn(self, command: list[str], log: str, **env: str) -> subprocess.Popen:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=(self.folder / log).open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def nginx(self, name: str, socket: Path, port: int, cache_ttl: str) -> None:
        """The project's nginx configuration in front of `socket`, rate limit out of the way."""
        conf = subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "nginx_conf.py"),
                f"--prefix={self.folder / name}",
                f"--listen=127.0.0.1:{port}",
                f"--socket={socket}",
                "--rate=1000000",
                "--burst=1000000",
                f"--cache-ttl={cache_ttl}",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        self.spawn([NGINX, "-p", str(Path(conf).parent), "-c", conf, "-g", "daemon off;"], f"{name}.log")

    def nginx_return_200(self, port: int) -> str:
        prefix = self.folder / "nginx-200"
        prefix.mkdir()
        conf = prefix / "nginx.conf"
        conf.write_text(
            f"worker_processes auto;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
            "events { worker_connections 1024; }\n"
            f"http {{ access_log off; server {{ listen 127.0.0.1:{port}; "
            "location / { return 200 'ok'; } } }\n"
        )
        self.spawn([NGINX, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"], "nginx-200.log")
        return self.wait(f"http://127.0.0.1:{port}", "/")

    def serve(self, name: str, uwsgi_args: list[str], **env: str) -> Served:
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=self.folder))
        folder.chmod(0o755)
        socket = folder / "uwsgi.sock"
        port = free_port()
        uwsgi = self.spawn(
            [str(BIN / "uwsgi"), *uwsgi_args, "--socket", str(socket), "--chmod-socket=666"],
            f"{folder.name}-uwsgi.log",
            **env,
        )
        self.nginx(folder.name, socket, port, env.get("CACHE_TTL_SECONDS", "1"))
        return Served(self.wait(f"http://127.0.0.1:{port}", "/health" if "api" in name else "/"), uwsgi)

    def api(self, name: str, layout: tuple[int, int] | None = None, **env: str) -> Served:
        args = ["--ini", str(ROOT / "uwsgi.ini")]
        if layout:
            args += ["--processes", str(layout[0]), "--threads", str(layout[1])]
        return self.serve(
            name,
            args,
            GRAPH_URL=f"sqlite:///{self.store}",
            VAR_DIR=str(self.folder / "var"),
            API_KEYS="bench",
            **{"LOG_LEVEL": "WARNING", **env},
        )

    def hello(self, layout: tuple[int, int]) -> Served:
        return self.serve(
            f"hello-{layout[0]}x{layout[1]}",
            [
                "--master",
                "--module=bench.hello:app",
                f"--processes={layout[0]}",
                f"--threads={layout[1]}",
                "--disable-logging",
                "--enable-threads",
                "--lazy-apps",
            ],
        )

    def wait(self, url: str, path: str) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(url + path, timeout=2).ok:
                    return url
            time.sleep(0.2)
        raise SystemExit(f"{url}{path} did not answer: see {self.folder}")

    def stop(self, served: Served | None = None) -> None:
        for process in [served.uwsgi] if served else list(reversed(self.processes)):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # stops uWSGI at once, nginx too
                process.wait(60)


def last_page(url: str, path: str) -> int:
    """The last page number the API serves for `path` (page numbers stop at item 10,000)."""
    found = requests.get(f"{url}{path}", timeout=30).json()["pagination"]
    return max(1, min(found["pages"], 10_000 // 20))


def routes(size: int, url: str) -> dict[str, list[str]]:
    """The uncached reads: each draws its path from many, as clients all over would."""
    rng = random.Random(11)
    hub_pages = last_page(url, "/api/v1/companies?country=US")
    city_pages = last_page(url, "/api/v1/cities")

    def company() -> str:
        return f"C{rng.randrange(2, size):07d}"

    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))

    return {
        "lookup, uncached (random of all)": [f"/api/v1/companies/{company()}" for _ in range(DRAWS)],
        "search q, a word (random)": [f"/api/v1/companies?q={word()}" for _ in range(DRAWS)],
        "search country hub, a page (random)": [
            f"/api/v1/companies?country=US&page={rng.randint(1, hub_pages)}" for _ in range(DRAWS)
        ],
        "cities, a page (random)": [
            f"/api/v1/cities?page={rng.randint(1, city_pages)}" for _ in range(DRAWS)
        ],
        "graph, a company (random)": [f"/api/v1/companies/{company()}/graph" for _ in range(DRAWS)],
        "related, a company (random)": [f"/api/v1/companies/{company()}/related" for _ in range(DRAWS)],
    }


def recycle_midway(bench: Bench, served: Served) -> None:
    """Halfway through the route's run (which follows its baseline's), one worker is replaced
    as recycling replaces it (SIGHUP to the worker: it finishes its request, the master
    starts another); the row measures whether requests queue behind the restart."""

    def replace_one() -> None:
        time.sleep(bench.seconds * 1.5)
        workers = Path(f"/proc/{served.uwsgi.pid}/task/{served.uwsgi.pid}/children").read_text().split()
        os.kill(int(workers[0]), signal.SIGHUP)

    threading.Thread(target=replace_one, daemon=True).start()


def pss_mb(pid: int) -> dict[str, float]:
    """Proportional set size in MB: all of it, the process's own memory (anonymous), and
    the pages of mapped files (the SQLite file, memory-mapped, is most of it: page cache
    shared by every process reading the store)."""
    found = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("Pss", "Pss_Anon", "Pss_File"):
            found[name] = int(value.split()[0]) / 1024
    return found


def uwsgi_memory(master: subprocess.Popen) -> list[tuple[str, dict[str, float]]]:
    """The master's and each worker's; a worker that uWSGI is replacing at that moment
    (recycle_midway's) is left out."""
    found = [("master", pss_mb(master.pid))]
    for pid in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split():
        with contextlib.suppress(ProcessLookupError, FileNotFoundError):
            found.append((f"worker {pid}", pss_mb(int(pid))))
    return found


def page_in(path: Path) -> None:
    """Read the store file through once, so that a route reads the store from memory, as a
    serving machine's page cache holds a store it keeps reading: this machine pages out what
    goes unused for 60 s (DAMON), and a route run on a cold file measured its disk (related:
    141 major faults, 157 MB read, 11% of hello-world against 16% warm)."""
    with path.open("rb") as store:
        while store.read(1 << 24):
            pass


def warm(url: str, paths: list[str]) -> None:
    """Fill the micro-cache before it is measured: a burst on a cold key waits for nginx's
    cache lock, and nginx looks again only when `uwsgi_cache_lock_timeout` (200 ms) is up,
    so a run starting cold spent its first 200 ms with every connection but one waiting
    (the first second: 74,000-84,000 req/s against 97,000 after; p99 ~190 ms)."""
    for path in paths:
        requests.get(url + path, timeout=30).raise_for_status()


def ensure_store(size: int) -> Path:
    folder = ROOT / "var" / "bench-reads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"companies-{size}-v{DATA_VERSION}.db"
    if not path.exists():
        settings = Settings.from_env({"VAR_DIR": str(folder), "API_KEYS": "bench", "LOG_LEVEL": "WARNING"})
        build(
            f"sqlite:///{path}",
            size,
            lambda url: bootstrap(Settings(**{**settings.__dict__, "graph_url": url}), consume=False),
        )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--layouts", help="compare uWSGI layouts instead, e.g. 2x1,3x1,2x2 (processes x threads)"
    )
    parser.add_argument(
        "--observability",
        action="store_true",
        help="instead: the cached lookup with metrics and logs on or off, and tracing on",
    )
    args = parser.parse_args()
    for tool in (NGINX, WRK):
        if not Path(tool).exists():
            raise SystemExit(f"{tool} is missing: make bench-http installs it")
    store = ensure_store(args.size)
    with running(store, args) as bench:
        if args.layouts:
            compare_layouts(bench, [parse_layout(text) for text in args.layouts.split(",")])
        elif args.observability:
            observability_cost(bench)
        else:
            table(bench)


@contextlib.contextmanager
def running(store: Path, args: argparse.Namespace) -> Iterator[Bench]:
    folder = Path(tempfile.mkdtemp(prefix="company-graph-bench-http-"))
    folder.chmod(0o755)
    bench = Bench(folder, store, args.size, args.seconds, args.connections)
    try:
        yield bench
    finally:
        bench.stop()
        shutil.rmtree(folder, ignore_errors=True)


def parse_layout(text: str) -> tuple[int, int]:
    processes, threads = text.lower().split("x")
    return int(processes), int(threads)


def production_layout() -> tuple[int, int]:
    """uwsgi.ini's processes and threads: hello-world runs on the same."""
    ini = configparser.ConfigParser(strict=False, inline_comment_prefixes=(";",))
    ini.read(ROOT / "uwsgi.ini")
    return ini.getint("uwsgi", "processes"), ini.getint("uwsgi", "threads")


@dataclass
class Row:
    name: str
    result: Result
    against: str  # "hello" or "nginx"
    base: Result  # the baseline measured right before this route


def table(bench: Bench) -> None:
    """Each route right after its own baseline (hello-world, or nginx's `return 200` for the
    micro-cache): this machine's speed moves by half within minutes (hello-world 6,700 and
    13,600 req/s in two runs of one afternoon), so a share against one baseline run at the
    start measured the machine as much as the route."""
    layout = production_layout()
    rows: list[Row] = []
    ceiling = bench.nginx_return_200(free_port())
    hello = bench.hello(layout)

    def measure(name: str, url: str, paths: list[str], against: str, prepare: Callable[[], None]) -> None:
        prepare()
        base = bench.wrk(hello.url if against == "hello" else ceiling, ["/"])
        rows.append(Row(name, bench.wrk(url, paths), against, base))

    api = bench.api("api")
    hot = {"/health": ["/health"], "lookup, cached (one company)": ["/api/v1/companies/PROBE-HUB"]}
    for name, paths in hot.items():
        measure(name, api.url, paths, "hello", lambda: None)
    replaced = ("/health, a worker replaced", "lookup cached, a worker replaced")
    for name, paths in zip(replaced, hot.values(), strict=True):
        measure(name, api.url, paths, "hello", lambda: recycle_midway(bench, api))
    for name, paths in routes(bench.size, api.url).items():
        measure(name, api.url, paths, "hello", lambda: page_in(bench.store))
    memory = uwsgi_memory(api.uwsgi)
    bench.stop(api)

    cached = bench.api("api-micro-cache", CACHE_TTL_SECONDS="10")
    for name, paths in {
        "micro-cache: lookup (one company)": ["/api/v1/companies/PROBE-HUB"],
        "micro-cache: search (q=ltd)": ["/api/v1/companies?q=ltd"],
    }.items():
        measure(name, cached.url, paths, "nginx", lambda paths=paths: warm(cached.url, paths))
    bench.stop(cached)
    bench.stop(hello)

    print(
        f"\n{bench.size:,} companies; wrk -t2 -c{bench.connections} -d{bench.seconds}s;"
        f" uWSGI {layout[0]} processes x {layout[1]} threads (uwsgi.ini)"
    )
    for against, title in (("hello", "hello-world Flask"), ("nginx", "nginx return 200")):
        seen = [row.base.rps for row in rows if row.against == against]
        print(f"{title}, measured before each of its routes: {min(seen):,.0f} to {max(seen):,.0f} req/s")
    print(
        f"{'route':<38}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'share':>9}"
        f"  of{'':<7}{'req/s':>9}{'failed':>8}"
    )
    for row in rows:
        result = row.result
        print(
            f"{row.name:<38}{result.rps:>10,.0f}{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}"
            f"{result.rps / row.base.rps:>9.0%}  {row.against:<7}{row.base.rps:>9,.0f}{result.failures:>8}"
        )
    lookup = rows[1]
    print(f"p99 of the cached lookup / hello-world's: {lookup.result.p99_ms / lookup.base.p99_ms:.2f}x")
    for row in rows:
        if row.name.endswith("a worker replaced"):
            print(f"{row.name}: p99 / p50 {row.result.p99_ms / row.result.p50_ms:.1f}x")
    print("\nproportional set size after the run, MB (in-process bus: the master holds the gazetteer)")
    print(f"  {'':<16}{'all':>8}{'own':>8}{'files':>8}")
    for name, mb in memory:
        print(f"  {name:<16}{mb['Pss']:>8.1f}{mb.get('Pss_Anon', 0):>8.1f}{mb.get('Pss_File', 0):>8.1f}")


def compare_layouts(bench: Bench, layouts: list[tuple[int, int]]) -> None:
    print(f"{'layout':<8}{'route':<22}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'share':>8}")
    for layout in layouts:
        hello = bench.hello(layout)
        baseline = bench.wrk(hello.url, ["/"])
        bench.stop(hello)
        label = f"{layout[0]}x{layout[1]}"
        print(
            f"{label:<8}{'hello-world':<22}{baseline.rps:>10,.0f}{baseline.p50_ms:>9.2f}{baseline.p99_ms:>9.2f}"
        )
        api = bench.api(f"api-{label}", layout)
        uncached = routes(bench.size, api.url)
        probes = {
            "/health": ["/health"],
            "lookup, cached": ["/api/v1/companies/PROBE-HUB"],
            "lookup, uncached": uncached["lookup, uncached (random of all)"],
            "search q (random)": uncached["search q, a word (random)"],
        }
        for name, paths in probes.items():
            result = bench.wrk(api.url, paths)
            print(
                f"{'':<8}{name:<22}{result.rps:>10,.0f}{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}"
                f"{result.rps / baseline.rps:>8.0%}"
            )
        bench.stop(api)


class CollectorStandIn:
    """An OTLP/HTTP collector stand-in on loopback: takes every export, answers 200."""

    def __init__(self) -> None:
        received = self.received = [0, 0]  # requests, bytes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(size)
                received[0] += 1
                received[1] += size
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def observability_cost(bench: Bench, rounds: int = 3) -> None:
    """The cached lookup (the hottest path, where a fixed cost shows most) under each setup,
    the setups interleaved round by round so that drift of the machine spreads over all."""
    collector = CollectorStandIn()
    setups = {
        "all off (metrics off, WARNING)": {"METRICS_ENABLED": "false", "LOG_LEVEL": "WARNING"},
        "metrics + JSON logs at INFO": {"LOG_LEVEL": "INFO"},
        "  + tracing (OTLP to a stand-in)": {
            "LOG_LEVEL": "INFO",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        },
        "  + tracing, 1% of traces sampled": {
            "LOG_LEVEL": "INFO",
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0.01",
        },
    }
    found: dict[str, list[Result]] = {name: [] for name in setups}
    try:
        for round_ in range(rounds):
            for number, (name, env) in enumerate(setups.items()):
                api = bench.api(f"api-observability-{round_}-{number}", **env)
                found[name].append(bench.wrk(api.url, ["/api/v1/companies/PROBE-HUB"]))
                bench.stop(api)
    finally:
        collector.close()
    base = sum(r.rps for r in found["all off (metrics off, WARNING)"]) / rounds
    print(f"\ncached lookup, wrk -t2 -c{bench.connections} -d{bench.seconds}s, {rounds} interleaved rounds")
    print(f"{'setup':<36}{'req/s each round':>28}{'mean':>9}{'p99 ms':>8}{'of off':>8}")
    for name, results in found.items():
        mean = sum(r.rps for r in results) / rounds
        each = " ".join(f"{r.rps:,.0f}" for r in results)
        p99 = sorted(r.p99_ms for r in results)[rounds // 2]
        print(f"{name:<36}{each:>28}{mean:>9,.0f}{p99:>8.2f}{mean / base:>8.1%}")
    requests_, size = collector.received
    print(f"spans exported to the stand-in: {requests_} requests, {size:,} bytes")


if __name__ == "__main__":
    main()
