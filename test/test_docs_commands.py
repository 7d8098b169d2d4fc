"""Every project command the README, docs/ and bench/RESULTS.md show in their shell blocks
exists and takes the options they give it: each `.venv/bin/python -m MODULE ...` or
`.venv/bin/python scripts/X.py ...` line is asked for its --help, which must succeed and
name every option the line uses; the CLI's commands that need no broker, no file of the
reader's and no other store run as shown, on a store of their own. (The calls a client
makes run for real in test_docs_examples; compose files and Kubernetes overlays are
validated by test/ops.)"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "RESULTS.md"]
PROJECT_COMMAND = re.compile(
    r"^(?:[A-Z_]+=\S+ )*\.venv/bin/python (-m [\w.]+|scripts/[\w.]+\.py)((?: [^#\s][^\s]*)*)"
)


def shell_lines() -> list[tuple[str, str]]:
    found = []
    for document in DOCUMENTS:
        for block in re.findall(r"^```sh\n(.*?)^```", document.read_text(), re.S | re.M):
            found.extend((document.name, line) for line in block.splitlines() if PROJECT_COMMAND.match(line))
    return found


def command_of(line: str) -> tuple[list[str], list[str]]:
    """The command to ask for help (the module or script and its subcommands) and the options
    the line gives it."""
    program, rest = PROJECT_COMMAND.match(line).groups()
    words = rest.split()
    subcommands = []
    for word in words:
        if word.startswith("-"):
            break
        subcommands.append(word)
    if program.startswith("-m main.cli"):
        # main.cli's subcommands are words; their arguments (a file, an id) follow them
        subcommands = subcommands[:2] if subcommands[:1] == ["dead"] else subcommands[:1]
    else:
        subcommands = [word for word in subcommands if word in ("record",)]
    options = [word.split("=")[0] for word in words if word.startswith("--")]
    return [*program.split(), *subcommands], options


LINES = shell_lines()


def python(
    arguments: list[str], document: str, line: str, env: dict | None = None
) -> subprocess.CompletedProcess:
    """This interpreter run with `arguments` from the project's root; it must succeed."""
    done = subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{document}: {line}\n{done.stdout[-1500:]}{done.stderr[-1500:]}"
    return done


def test_the_docs_show_project_commands() -> None:
    assert len(LINES) >= 20


@pytest.mark.parametrize(("document", "line"), LINES, ids=[f"{d}: {line[:60]}" for d, line in LINES])
def test_a_command_the_docs_show_exists_with_its_options(document: str, line: str) -> None:
    command, options = command_of(line)
    done = python([*command, "--help"], document, line)
    for option in options:
        assert option in done.stdout, f"{document}: {' '.join(command)} has no {option}"


# the CLI's commands that need no broker, no file of the reader's and no other store
RUN_AS_SHOWN = {"demo", "api-key", "future-dated", "relocate", "forget-applied", "migrate"}
CLI_LINES = [
    (document, line)
    for document, line in LINES
    if command_of(line)[0][:2] == ["-m", "main.cli"] and command_of(line)[0][2:3][0] in RUN_AS_SHOWN
]


def test_the_docs_show_cli_commands_that_run_as_shown() -> None:
    assert {command_of(line)[0][2] for _, line in CLI_LINES} == RUN_AS_SHOWN


@pytest.mark.parametrize(("document", "line"), CLI_LINES, ids=[line[:50] for _, line in CLI_LINES])
def test_a_cli_command_the_docs_show_runs_as_shown(document: str, line: str, tmp_path: Path) -> None:
    """Run on a fresh embedded store of its own (the demo data loaded first, as `make run` does)."""
    env = {**os.environ, "GRAPH_URL": f"sqlite:///{tmp_path}/graph.db", "VAR_DIR": str(tmp_path / "var")}
    words = line.split("#")[0].split()
    arguments = words[words.index("main.cli") + 1 :]
    for command in (["demo"], arguments):
        python(["-m", "main.cli", *command], document, line, env)
