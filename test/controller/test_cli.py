"""The CLI: import NDJSON or a JSON array with a summary of what was applied and rejected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from main.cli import cli
from main.controller.cli import DEMO_FILE
from main.service.model import Window
from test.helpers import company_event


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_import_ndjson_reports_applied_and_rejected_lines(app: Flask, tmp_path: Path) -> None:
    lines = [
        json.dumps(company_event(company_id="good-1")),
        "{broken json",
        "",
        json.dumps({"eventType": "company-created", "data": {"id": "no-name"}}),
        json.dumps(company_event(company_id="good-2")),
        json.dumps(company_event("company-deleted", "ghost")),
    ]
    source = tmp_path / "events.ndjson"
    source.write_text("\n".join(lines) + "\n")
    result = run(app, "import", "--no-progress", str(source))
    assert result.exit_code == 1
    assert "applied: applied 2, not-found 1" in result.output
    assert "rejected: 2" in result.output
    assert "line 2: invalid JSON" in result.output
    assert (
        'line 4: schema violation: {"data": {"name": ["Missing data for required field."]}}' in result.output
    )
    store = app.extensions["company_graph"].store
    assert store.get_company("GOOD-1") and store.get_company("GOOD-2")


def test_import_a_json_array(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "events.json"
    source.write_text(json.dumps([company_event(company_id=f"c{n}") for n in range(3)]))
    result = run(app, "import", "--no-progress", str(source))
    assert result.exit_code == 0, result.output
    assert "applied: applied 3" in result.output and "rejected: 0" in result.output


def test_import_a_broken_json_array_rejects_the_file(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "events.json"
    source.write_text("[{]")
    result = run(app, "import", "--no-progress", str(source))
    assert result.exit_code == 1 and "invalid JSON array" in result.output


def test_importing_twice_applies_nothing_new(app: Flask, tmp_path: Path) -> None:
    source = tmp_path / "events.ndjson"
    source.write_text(json.dumps(company_event(company_id="once")) + "\n")
    run(app, "import", "--no-progress", str(source))
    assert "applied: duplicate 1" in run(app, "import", "--no-progress", str(source)).output


def test_the_demo_data_is_rich_and_loads_cleanly(app: Flask) -> None:
    events = [json.loads(line) for line in DEMO_FILE.read_text().splitlines()]
    created = [e["data"] for e in events if e["eventType"] == "company-created"]
    assert len(created) >= 300
    result = run(app, "demo")
    assert result.exit_code == 0 and "rejected: 0" in result.output
    lookup = app.extensions["company_graph"].lookup
    assert lookup.places("Country", Window(100)).total >= 15
    assert lookup.places("Industry", Window(100)).total >= 20
    assert lookup.places("City", Window(100)).total >= 40


def test_api_key_prints_the_configured_key(app: Flask) -> None:
    result = run(app, "api-key")
    assert result.output.strip() == app.extensions["company_graph"].settings.api_keys[0]


def test_forget_applied_forgets_old_dated_ids_only(app: Flask, tmp_path: Path) -> None:
    conn = app.extensions["company_graph"].store.connections.get()
    run(app, "demo")
    source = tmp_path / "undated.ndjson"
    source.write_text(json.dumps(company_event(company_id="no-date")) + "\n")
    run(app, "import", "--no-progress", str(source))
    dated, undated = conn.execute("SELECT sum(dated), sum(1 - dated) FROM applied_event").fetchone()
    assert (dated, undated) == (340, 1)

    kept = run(app, "forget-applied", "--days", "30")
    assert kept.output == "forgot 0 applied event ids older than 30 days\n"
    forgot = run(app, "forget-applied", "--days", "0")
    assert forgot.exit_code == 0
    assert forgot.output == f"forgot {dated} applied event ids older than 0 days\n"
    assert tuple(conn.execute("SELECT count(*), sum(dated) FROM applied_event").fetchone()) == (1, 0)


def test_help_shows_the_project_commands_before_the_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPH_URL", f"sqlite:///{tmp_path}/graph.db")
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    shown = CliRunner().invoke(cli, ["--help"]).output
    assert shown.index("Commands:") < shown.index("Options:")
    for command in ("import", "publish", "worker", "dead", "demo", "relocate", "forget-applied"):
        assert f"  {command} " in shown
    assert "--app" not in shown and "--env-file" not in shown
