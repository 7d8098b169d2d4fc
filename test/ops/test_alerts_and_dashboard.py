"""The alerting rules and the dashboard, held to promtool and to the metric names the
service really exports (a renamed metric would silently blind an alert or a panel)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from main.bootstrap import build_queue_metrics
from main.util import metrics
from main.util.config import Settings

OPS = Path(__file__).resolve().parents[2] / "ops"
RULES = OPS / "prometheus" / "alerts.yml"
RULE_TESTS = OPS / "prometheus" / "alerts.test.yml"
DASHBOARD = OPS / "grafana" / "company-graph.json"
# Prometheus' own series for every scrape target
SCRAPE_SERIES = {"up"}
PROMQL_WORDS = {"by", "without", "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "bool"}
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def promtool(*args: str) -> subprocess.CompletedProcess:
    if shutil.which("promtool") is None:
        pytest.fail("promtool is not installed: run `make test`, which installs Debian's prometheus")
    return subprocess.run(["promtool", *args], capture_output=True, text=True, timeout=60)


def exported_names(amqp_url: str) -> set[str]:
    """Every series name the API and the worker expose, read from their registries."""
    registry = CollectorRegistry()
    registry.register(build_queue_metrics(Settings(amqp_url=amqp_url)))
    text = generate_latest(metrics.REGISTRY).decode() + generate_latest(registry).decode()
    return {
        family.name + suffix
        for family in text_string_to_metric_families(text)
        for suffix in SUFFIXES.get(family.type, ("",))
    }


def metric_names(expr: str) -> set[str]:
    """The series an expression reads: label matchers, ranges, groupings and calls left out."""
    bare = re.sub(r'"[^"]*"', "", expr)
    bare = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", bare)
    bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", bare)
    names = re.findall(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()", bare)
    return {n for n in names if n not in PROMQL_WORDS}


def alert_rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]


def dashboard_queries() -> list[tuple[str, str]]:
    board = json.loads(DASHBOARD.read_text())
    return [(panel["title"], t["expr"]) for panel in board["panels"] for t in panel.get("targets", [])]


def test_promtool_finds_the_rules_well_formed() -> None:
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in checked.stdout


def test_each_alert_fires_and_stays_quiet_as_its_unit_tests_say() -> None:
    tested = promtool("test", "rules", str(RULE_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    covered = {
        case["alertname"]
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert covered == {rule["alert"] for rule in alert_rules()}, "every alert is seen firing in a test"


def test_the_issue_s_signals_each_have_an_alert() -> None:
    alerts = {rule["alert"] for rule in alert_rules()}
    for signal in (
        "ErrorRate",
        "LatencyHigh",
        "DeadLettersRising",
        "BacklogGrowing",
        "WorkerAbsent",
        "MemcachedDown",
    ):
        assert any(signal in alert for alert in alerts), signal


def test_the_rules_read_only_series_the_service_exports(amqp_url: str) -> None:
    known = exported_names(amqp_url) | SCRAPE_SERIES
    for rule in alert_rules():
        assert metric_names(rule["expr"]) <= known, (rule["alert"], metric_names(rule["expr"]) - known)


def test_every_dashboard_panel_queries_series_the_service_exports(amqp_url: str) -> None:
    known = exported_names(amqp_url) | SCRAPE_SERIES
    queries = dashboard_queries()
    assert len(queries) >= 12
    for title, expr in queries:
        assert metric_names(expr), (title, expr)
        assert metric_names(expr) <= known, (title, metric_names(expr) - known)
    shown = set().union(*(metric_names(expr) for _, expr in queries))
    assert {"broker_queue_messages", "events_total", "http_request_duration_seconds_bucket"} <= shown


def test_the_name_reader_sees_through_promql() -> None:
    expr = 'sum by (le) (rate(a_bucket{job="x", route!~"/y"}[5m])) / on (job) b_total > 0 and absent(up == 1)'
    assert metric_names(expr) == {"a_bucket", "b_total", "up"}


def test_the_dashboard_panels_do_not_overlap() -> None:
    taken: set[tuple[int, int]] = set()
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        box = panel["gridPos"]
        cells = {(box["x"] + dx, box["y"] + dy) for dx in range(box["w"]) for dy in range(box["h"])}
        assert not cells & taken, panel["title"]
        assert box["x"] + box["w"] <= 24
        taken |= cells
