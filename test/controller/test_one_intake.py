"""HTTP, `import`, `publish` and the worker take and refuse exactly the same events, for the same reasons."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from main.controller.messaging.processors import PROCESSOR_CLASSES
from main.service.changes import version_text
from main.service.clock_skew import SkewBound
from main.service.errors import InvalidEvent
from test.conftest import API_KEY
from test.helpers import company_event


def _with(value: str) -> str:
    return json.dumps(company_event(ticker="@")).replace('"@"', value)


LINES = [
    json.dumps(company_event(company_id="kept-1")),
    "{broken",
    _with("NaN"),
    _with("1e999"),
    _with(str(2**64)),
    _with("9" * 5000),
    _with("[" * 33 + "]" * 33),
    json.dumps(company_event(event_id="e-surrogate", name="A\ud800")),
    json.dumps(company_event(name="A\x00")),
    json.dumps(company_event(name=" \t ")),
    json.dumps(company_event(company_id="..")),
    json.dumps({**company_event(), "eventType": "company-merged"}),
    json.dumps({"eventType": "company-created", "data": {"id": "no-name"}}),
    "[1, 2]",
    json.dumps(company_event("company-updated", "kept-2", name="Renamed")),
    json.dumps(company_event("company-deleted", "kept-3")),
    json.dumps(company_event(occurred_at="9999-12-31T00:00:00Z")),
    json.dumps(company_event(occurred_at=version_text(datetime.now(UTC) + timedelta(hours=1)))),
    json.dumps(company_event(company_id="kept-4", occurred_at=version_text(datetime.now(UTC)))),
]
KEPT = {1, 15, 16, 19}


def cli_rejections(output: str) -> dict[int, str]:
    return {int(n): reason for n, reason in re.findall(r"^  line (\d+): (.*)$", output, re.MULTILINE)}


def test_the_four_ways_in_agree_on_every_line(
    app: Flask, client: FlaskClient, broker_app: Flask, tmp_path: Path
) -> None:
    source = tmp_path / "events.ndjson"
    source.write_text("\n".join(LINES) + "\n")
    imported = app.test_cli_runner().invoke(args=["import", "--no-progress", str(source)])
    published = broker_app.test_cli_runner().invoke(args=["publish", "--no-progress", str(source)])
    assert imported.exit_code == published.exit_code == 1
    refused = cli_rejections(imported.output)
    assert set(refused) == set(range(1, len(LINES) + 1)) - KEPT
    assert cli_rejections(published.output) == refused

    processors = {p.routing_key: p(SkewBound()) for p in PROCESSOR_CLASSES}
    for number, line in enumerate(LINES, start=1):
        response = client.post(
            "/api/v1/events", data=line, content_type="application/json", headers={"X-API-Key": API_KEY}
        )
        routing_key = (
            "company-updated" if number == 15 else "company-deleted" if number == 16 else "company-created"
        )
        try:
            processors[routing_key].parse(line.encode())
            worker_reason = None
        except InvalidEvent as exc:
            worker_reason = exc.reason
        if number in KEPT:
            assert response.status_code == 202 and worker_reason is None, (number, response.json)
        else:
            assert response.status_code == 400, (number, response.json)
            assert worker_reason == refused[number], number
            assert json.dumps(response.json["errors"], sort_keys=True) in refused[number], number
