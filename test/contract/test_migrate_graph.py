"""migrate-graph: a whole graph copied between stores answers every read as the original does,
checks out as the same, and an interrupted copy resumes to the same end."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from click.testing import CliRunner

from main.bootstrap import bootstrap
from main.cli import cli, redacted, same_store, unmapped
from main.controller.cli import DEMO_FILE
from main.controller.http.app import create_app
from main.schema.intake import accept_raw
from main.service.migration import GraphMigration, census
from test.answers import read_paths
from test.contract.test_lists import event, history

ROOT = Path(__file__).resolve().parents[2]


def loaded(settings, geocoder, url: str):
    """A container over `url`, holding the demo data and a history of renames, moves and deletes."""
    container = bootstrap(replace(settings, graph_url=url), geocoder=geocoder, consume=False)
    lines = DEMO_FILE.read_text().splitlines() + [line.decode() for line in history(5, companies=200)]
    for start in range(0, len(lines), 97):
        container.sync.apply_batch(
            [accept_raw(line, container.skew).event for line in lines[start : start + 97]]
        )
    return container


def without_cursors(client, path: str) -> tuple[str, int, object]:
    """A path and its answer with the store's own cursors left out: row ids differ between a
    graph and its copy where companies were deleted, while every item and its order agree."""
    response = client.get(path)
    body = response.get_json()
    if isinstance(body, dict):
        body.pop("links", None)
    parts = urlsplit(path)
    query = [(name, value) for name, value in parse_qsl(parts.query) if name != "cursor"]
    return f"{parts.path}?{urlencode(query)}", response.status_code, body


@pytest.mark.timeout(600)
def test_a_graph_copied_to_memory_and_back_answers_every_read_as_the_original(settings, geocoder) -> None:
    folder = Path(tempfile.mkdtemp(prefix="company-graph-migrate-"))
    original = loaded(settings, geocoder, f"sqlite:///{folder}/original.db")
    middle = bootstrap(replace(settings, graph_url="memory://"), geocoder=geocoder, consume=False)
    copy = bootstrap(
        replace(settings, graph_url=f"sqlite:///{folder}/copy.db"), geocoder=geocoder, consume=False
    )
    try:
        for source, target in ((original, middle), (middle, copy)):
            migration = GraphMigration(source.store, target.store, batch=37)
            checkpoint: dict = {}
            migration.copy(checkpoint, lambda: None, lambda phase, count: None)
            verdict = migration.verify(checkpoint)
            assert verdict.same, verdict.differences()
            # what the copy counted as it read is what a walk of the source counts
            assert verdict.source == census(source.store, batch=50)
        assert verdict.source.companies > 500
        assert verdict.source.applied > 600
        before, after = (create_app(c).test_client() for c in (original, copy))
        paths_before, paths_after = read_paths(before, 120), read_paths(after, 120)
        assert len(paths_before) == len(paths_after) > 400
        differing = [
            path
            for path, other in zip(paths_before, paths_after, strict=True)
            if without_cursors(before, path) != without_cursors(after, other)
        ]
        assert not differing, f"{len(differing)} of {len(paths_before)} differ, first: {differing[:3]}"
    finally:
        for container in (original, middle, copy):
            container.close()


def test_an_interrupted_copy_resumes_from_its_checkpoint_to_the_same_graph(
    settings, geocoder, tmp_path
) -> None:
    original = loaded(settings, geocoder, f"sqlite:///{tmp_path}/original.db")
    target = bootstrap(replace(settings, graph_url="memory://"), geocoder=geocoder, consume=False)
    checkpoint: dict = {}
    migration = GraphMigration(original.store, target.store, batch=50)

    def interrupted(phase: str, count: int) -> None:
        if phase == "companies" and checkpoint["companies"] not in (None, "done"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        migration.copy(checkpoint, lambda: None, interrupted)
    copied_first = target.store.tally("Company")
    assert 0 < copied_first < original.store.tally("Company")
    saved = json.loads(json.dumps(checkpoint))
    GraphMigration(original.store, target.store, batch=50).copy(saved, lambda: None, lambda *_: None)
    verdict = migration.verify(saved)
    assert verdict.same, verdict.differences()
    assert verdict.source == census(original.store, batch=50)
    # every range copied again changes nothing
    again: dict = {}
    GraphMigration(original.store, target.store, batch=50).copy(again, lambda: None, lambda *_: None)
    assert migration.verify(again).same
    original.close()
    target.close()


def test_the_command_copies_one_sqlite_file_to_another_and_says_they_agree(
    settings, geocoder, tmp_path
) -> None:
    loaded(settings, geocoder, f"sqlite:///{tmp_path}/original.db").close()
    command = [
        sys.executable,
        "-m",
        "main.cli",
        "migrate-graph",
        "--from",
        f"sqlite:///{tmp_path}/original.db",
        "--to",
        f"sqlite:///{tmp_path}/copy.db",
        "--checkpoint",
        str(tmp_path / "checkpoint.json"),
        "--no-progress",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "companies" in done.stdout and "differs" not in done.stdout
    assert not (tmp_path / "checkpoint.json").exists()
    missing = subprocess.run(
        [*command[:5], f"sqlite:///{tmp_path}/nothing.db", *command[6:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2 and "no such file" in missing.stderr


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--from", "memory://", "--to", "memory://"], "the same store"),
        (["--from", "memory://", "--to", "sqlite:///x.db"], "holds no graph to copy"),
        (["--from", "sqlite:///nowhere/graph.db", "--to", "memory://"], "no such file"),
        (["--from", "{source}", "--to", "mysql://db/graph"], "GRAPH_URL 'mysql://db/graph'"),
    ],
)
def test_the_command_refuses_what_cannot_be_copied(settings, geocoder, tmp_path, options, says) -> None:
    source = tmp_path / "graph.db"
    loaded(settings, geocoder, f"sqlite:///{source}").close()
    given = [option.format(source=f"sqlite:///{source}") for option in options]
    done = CliRunner().invoke(cli, ["migrate-graph", *given, "--checkpoint", str(tmp_path / "c.json")])
    assert done.exit_code == 2 and says in done.output, done.output


def test_a_checkpoint_keeps_no_password_and_another_copys_is_not_resumed(
    settings, geocoder, tmp_path
) -> None:
    source = tmp_path / "graph.db"
    loaded(settings, geocoder, f"sqlite:///{source}").close()
    checkpoint = tmp_path / "c.json"
    assert (
        redacted("arangodb://graph:s3cret@db1:8529,db2:8529/g") == "arangodb://graph:***@db1:8529,db2:8529/g"
    )
    checkpoint.write_text(json.dumps({"from": "sqlite:///other.db", "to": "memory://", "companies": "done"}))
    options = ["--from", f"sqlite:///{source}", "--to", "memory://", "--checkpoint", str(checkpoint)]
    done = CliRunner().invoke(cli, ["migrate-graph", *options, "--no-progress"])
    assert done.exit_code == 0, done.output
    assert "another copy's: starting from the beginning" in done.output
    assert "copied: 525 companies" in done.output and not checkpoint.exists()


def test_the_check_finds_a_target_that_differs_from_what_was_copied(settings, geocoder, tmp_path) -> None:
    original = loaded(settings, geocoder, f"sqlite:///{tmp_path}/original.db")
    target = bootstrap(replace(settings, graph_url="memory://"), geocoder=geocoder, consume=False)
    checkpoint: dict = {}
    migration = GraphMigration(original.store, target.store, batch=40)
    migration.copy(checkpoint, lambda: None, lambda *_: None)
    assert migration.verify(checkpoint).same
    renamed = event(3_000, "company-updated", {"id": "c3", "name": "Renamed After The Copy"})
    target.sync.apply_batch([accept_raw(renamed, target.skew).event])
    verdict = migration.verify(checkpoint)
    assert not verdict.same
    assert [line.split(":")[0] for line in verdict.differences()] == ["applied", "digest"]
    original.close()
    target.close()


def test_a_sqlite_file_named_twice_is_the_same_store_and_is_read_unmapped(tmp_path) -> None:
    assert same_store(f"sqlite:///{tmp_path}/g.db", f"sqlite:///{tmp_path}/./g.db?mmap_size=0")
    assert not same_store(f"sqlite:///{tmp_path}/g.db", "memory://")
    assert unmapped("sqlite:///var/g.db") == "sqlite:///var/g.db?mmap_size=0"
    assert unmapped("sqlite:///var/g.db?mmap_size=4096") == "sqlite:///var/g.db?mmap_size=4096"
    assert unmapped("memory://") == "memory://"
    assert unmapped("sqlite:////srv/g.db") == "sqlite:////srv/g.db?mmap_size=0"
