"""What a CI server reads: the reports `make test` writes are the ones sonar-project.properties
names, and the folders it names hold the code and the tests."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def sonar() -> dict[str, str]:
    lines = (ROOT / "sonar-project.properties").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_sonar_reads_the_reports_pytest_writes() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    assert "--cov-report=xml" in options and "--junitxml=test-results.xml" in options
    found = sonar()
    assert found["sonar.python.coverage.reportPaths"] == "coverage.xml"
    assert found["sonar.python.xunit.reportPath"] == "test-results.xml"


def test_sonar_names_the_sources_the_tests_and_the_python_version() -> None:
    found = sonar()
    assert (ROOT / found["sonar.sources"] / "wsgi.py").exists()
    assert (ROOT / found["sonar.tests"] / "conftest.py").exists()
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == f">={found['sonar.python.version']}"
