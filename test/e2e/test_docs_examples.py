"""The README's examples run as written against a started server (uWSGI as `make run` starts
it, the demo data loaded, its API key in VAR_DIR/api-key): the calls a client makes (the
shell block: curl), the client's generation from /openapi.json, and its lines of Python.
`http://127.0.0.1:8080` in them is the started server's address. The two set-up commands
(`make run`, `make test`) are what CI runs; the docs' command listings are checked by
test_docs_commands.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from test.e2e.conftest import ROOT, Server, start_server

README = ROOT / "README.md"
EXAMPLE_URL = "http://127.0.0.1:8080"
BIN = Path(sys.executable).parent
RETRIED = "--retry 5 --retry-all-errors --retry-delay 1"


def fenced(path: Path) -> list[tuple[str, str]]:
    """Each fenced block of a Markdown file: its language and its text."""
    return re.findall(r"^```(\w*)\n(.*?)^```", path.read_text(), re.S | re.M)


def examples(language: str) -> list[str]:
    """The README's blocks in `language`, but for the set-up commands (make)."""
    return [body for lang, body in fenced(README) if lang == language and not body.startswith("make ")]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("docs")
    env = {**os.environ, "GRAPH_URL": f"sqlite:///{folder}/graph.db", "VAR_DIR": str(folder / "var")}
    subprocess.run(
        [sys.executable, "-m", "main.cli", "demo"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    server = start_server(folder, API_KEYS="", GRAPH_URL=env["GRAPH_URL"], VAR_DIR=env["VAR_DIR"])
    yield server, env
    server.stop()


def run(command: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{command[:2]}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done.stdout


def test_the_readme_has_its_two_set_up_commands_first_and_its_examples() -> None:
    first = fenced(README)[0]
    assert first[0] == "sh" and [line.split()[:2] for line in first[1].splitlines()] == [
        ["make", "run"],
        ["make", "test"],
    ]
    assert len(examples("sh")) >= 2 and len(examples("python")) >= 1


def test_every_call_in_the_readme_answers_as_it_says(demo, tmp_path: Path) -> None:
    server, env = demo
    calls = next(body for body in examples("sh") if "curl" in body)
    # every call must succeed; a read right after the POST may come before the event is
    # applied (a 202 is "accepted"), so reads are tried again as a person would
    calls = re.sub(r"^curl -s -X", "curl -sS --fail-with-body -X", calls, flags=re.M)
    calls = re.sub(r"^curl -s (?!-X)", f"curl -sS --fail-with-body {RETRIED} ", calls, flags=re.M)
    script = "set -euo pipefail\n" + calls.replace(EXAMPLE_URL, server.url)
    out = run(["bash", "-c", script], {**env, "PATH": f"{BIN}:{env['PATH']}"}, ROOT)
    assert '"eventId"' in out and '"Acme Ltd"' in out and '"nodes"' in out, out[:2000]


def test_the_client_the_readme_generates_runs_its_lines_of_python(demo, tmp_path: Path) -> None:
    server, env = demo
    generate = next(body for body in examples("sh") if "openapi-python-client" in body)
    path = {**env, "PATH": f"{BIN}:{env['PATH']}"}
    run(
        [
            "bash",
            "-c",
            "set -euo pipefail\n" + generate.replace(EXAMPLE_URL, server.url).replace(".venv/bin/", ""),
        ],
        path,
        tmp_path,
    )
    for python in examples("python"):
        out = run([sys.executable, "-c", python.replace(EXAMPLE_URL, server.url)], env, tmp_path)
        assert out.strip(), "the example prints what it found"
