"""A local Nominatim-style server that takes a fixed time per answer (for bench/fanout)."""

from __future__ import annotations

import json
import multiprocessing
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ANSWER = {
    "lat": "37.35",
    "lon": "-121.95",
    "address": {"city": "Santa Clara", "state": "California", "state_code": "ca", "country_code": "us"},
}


class SlowGeocoder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # keep-alive answers would otherwise wait ~40 ms for Nagle's algorithm
    disable_nagle_algorithm = True
    delay = 0.05
    calls = 0

    def do_GET(self) -> None:
        time.sleep(self.delay)
        type(self).calls += 1
        query = parse_qs(urlparse(self.path).query)
        city = query.get("q", ["Santa Clara"])[0].split(",")[0]
        body = json.dumps([{**ANSWER, "address": {**ANSWER["address"], "city": city}}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        """Silent: the bench prints its own figures."""


class Server(ThreadingHTTPServer):
    # the default backlog of 5 drops simultaneous connects, which then retry a second later
    request_queue_size = 128
    daemon_threads = True


def _run(delay: float, ports: multiprocessing.Queue) -> None:
    SlowGeocoder.delay = delay
    server = Server(("127.0.0.1", 0), SlowGeocoder)
    ports.put(server.server_address[1])
    server.serve_forever()


def serve(delay: float = 0.05) -> tuple[multiprocessing.Process, str]:
    """In a process of its own, so its threads do not share the client's interpreter lock."""
    ports: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=_run, args=(delay, ports), daemon=True)
    process.start()
    return process, f"http://127.0.0.1:{ports.get(timeout=10)}/v1"
