"""What reaches the real server (uWSGI as `make run` starts it) from clients that misbehave.

Each is answered with a JSON 4xx or closed at once, and none holds a worker: the
server keeps answering everyone else.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from test.e2e.conftest import Server, start_server
from test.helpers import company_event, wait_until


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(Path(tmp_path_factory.mktemp("hostile")))
    yield running
    running.stop()


def exchange(server: Server, data: bytes, timeout: float = 10) -> tuple[int | None, bytes]:
    """Send raw bytes, read until the server closes; (status, body), status None for no answer."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as conn:
        with contextlib.suppress(OSError):  # the server may answer and close before taking it all
            conn.sendall(data)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    if not received:
        return None, b""
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def request(method: str, target: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def error(server: Server, data: bytes) -> tuple[int, dict]:
    status, body = exchange(server, data)
    assert status is not None, "the server answered nothing"
    return status, json.loads(body)


def post_events(server: Server, *headers: str, body: bytes = b"{}") -> bytes:
    return request(
        "POST",
        "/api/v1/events",
        f"X-API-Key: {server.api_key}",
        "Content-Type: application/json",
        *headers,
        body=body,
    )


def test_a_request_line_that_is_not_http_gets_no_worker_and_harms_nobody(server: Server) -> None:
    assert exchange(server, b"HELLO\r\n\r\n") == (None, b"")
    assert requests.get(f"{server.url}/health", timeout=5).ok


def test_a_body_far_over_the_limit_is_a_413_before_it_is_read(server: Server) -> None:
    started = time.monotonic()
    # the first bytes of the body only: the answer comes before the client could send the rest
    status, body = error(server, post_events(server, "Content-Length: 200000000", body=b"{" * 100))
    assert (status, body["errors"]) == (413, {"Content-Length": ["At most 1048576 bytes."]})
    assert time.monotonic() - started < 5, "answered without reading 200 MB"


@pytest.mark.parametrize(
    ("header", "status"),
    [("Transfer-Encoding: chunked", 411), ("Content-Length: -1", 400), ("Content-Length: abc", 400)],
)
def test_a_body_of_undeclared_length_is_refused_naming_the_header(
    server: Server, header: str, status: int
) -> None:
    data = post_events(server, header, body=b"2\r\n{}\r\n0\r\n\r\n")
    assert error(server, data)[0] == status
    assert "Content-Length" in error(server, data)[1]["errors"]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (request("GET", "/api/v1/companies?q=" + "a" * 9000), 414),
        (request("GET", "/health", "X-Big: " + "a" * 20_000), 431),
        (request("GET", "/health", *(f"X-H{n}: v" for n in range(120))), 431),
    ],
    ids=["url-9kb", "header-20kb", "120-headers"],
)
def test_an_oversized_request_head_is_a_json_414_or_431(server: Server, data: bytes, status: int) -> None:
    code, body = error(server, data)
    assert code == status and body["code"] == status and body["errors"]


def test_a_request_id_with_a_line_feed_is_replaced(server: Server) -> None:
    status, _ = exchange(server, request("GET", "/health", "X-Request-Id: abc\ndef"))
    assert status == 200
    response = requests.get(f"{server.url}/health", headers={"X-Request-Id": "abc def"}, timeout=5)
    assert response.headers["X-Request-Id"] != "abc def"


def test_clients_trickling_their_headers_hold_no_worker(server: Server) -> None:
    address = urlsplit(server.url)
    stop = threading.Event()
    sending = threading.Semaphore(0)

    def trickle() -> None:
        with socket.create_connection((address.hostname, address.port), timeout=30) as conn:
            for byte in request("GET", "/health"):
                conn.send(bytes([byte]))
                sending.release()
                if stop.wait(0.5):
                    return

    slow = [threading.Thread(target=trickle, daemon=True) for _ in range(4)]
    for thread in slow:
        thread.start()
    try:
        for _ in range(len(slow) * 2):  # every slow client has sent two bytes, and goes on
            assert sending.acquire(timeout=10)
        for _ in range(5):
            started = time.monotonic()
            assert requests.get(f"{server.url}/health", timeout=10).ok
            assert time.monotonic() - started < 2
    finally:
        stop.set()
        for thread in slow:
            thread.join()


def test_the_server_still_takes_and_serves_events_after_all_that(server: Server) -> None:
    event = company_event(name="Hostile-proof Ltd")
    headers = {"X-API-Key": server.api_key}
    assert (
        requests.post(f"{server.url}/api/v1/events", json=event, headers=headers, timeout=5).status_code
        == 202
    )
    url = f"{server.url}/api/v1/companies/{event['data']['id']}"
    assert wait_until(lambda: requests.get(url, timeout=5).ok, timeout=10)
