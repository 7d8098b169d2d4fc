"""Log lines as a collector reads them (JSON) and as a person at a terminal does (text)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from main.util.logging import configure_logging
from main.util.request_id import reset_request_id, set_request_id


@pytest.fixture
def root_handlers() -> Iterator[None]:
    """configure_logging sets up the root logger for the process: put it back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    root.handlers[:] = []  # a handler an earlier test set up writes to that test's stderr
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def lines(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


@pytest.mark.usefixtures("root_handlers")
def test_a_json_line_carries_the_request_id_and_the_fields_a_call_adds(capfd: pytest.CaptureFixture) -> None:
    configure_logging("INFO", "json")
    token = set_request_id("req-7")
    try:
        logging.getLogger("main.messages").info(
            "applied %s", "évent", extra={"outcome": "applied", "duration_ms": 1.5}
        )
    finally:
        reset_request_id(token)
    (line,) = lines(capfd.readouterr().err)
    assert line["level"] == "INFO" and line["logger"] == "main.messages"
    assert line["request_id"] == "req-7" and line["message"] == "applied évent"
    assert line["outcome"] == "applied" and line["duration_ms"] == 1.5
    assert line["time"].startswith("20")


@pytest.mark.usefixtures("root_handlers")
def test_text_is_one_readable_line(capfd: pytest.CaptureFixture) -> None:
    configure_logging("INFO", "text")
    logging.getLogger("main.x").warning("careful")
    err = capfd.readouterr().err
    assert " WARNING main.x [-] careful" in err and not err.lstrip().startswith("{")


@pytest.mark.usefixtures("root_handlers")
def test_an_api_request_logs_json_with_the_id_it_answers_with(
    client: FlaskClient, capfd: pytest.CaptureFixture
) -> None:
    configure_logging("INFO", "json")
    answered = client.get("/health", headers={"X-Request-Id": "not safe <id>"})
    found = [line for line in lines(capfd.readouterr().err) if "replaced an unsafe" in line["message"]]
    assert found and found[0]["request_id"] == answered.headers["X-Request-Id"]
