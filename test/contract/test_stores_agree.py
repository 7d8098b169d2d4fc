"""The memory store and SQLite answer every read route alike, byte for byte, cursors included,
after the same history: the demo data, then creates in runs, renames, moves, re-filings and
deletes, in batches as the worker takes them."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import pytest

from main.bootstrap import bootstrap
from main.controller.cli import DEMO_FILE
from main.controller.http.app import create_app
from main.schema.intake import accept_raw
from test.answers import answer, read_paths
from test.contract.test_lists import history


@pytest.mark.timeout(600)
def test_memory_and_sqlite_answer_every_read_alike(settings, geocoder) -> None:
    folder = Path(tempfile.mkdtemp(prefix="company-graph-agree-"))
    containers = [
        bootstrap(replace(settings, graph_url=url), geocoder=geocoder, consume=False)
        for url in ("memory://", f"sqlite:///{folder}/graph.db")
    ]
    lines = DEMO_FILE.read_text().splitlines() + [line.decode() for line in history(3, companies=300)]
    try:
        for container in containers:
            for start in range(0, len(lines), 97):
                batch = [accept_raw(line, container.skew).event for line in lines[start : start + 97]]
                container.sync.apply_batch(batch)
        memory, sqlite = (create_app(container).test_client() for container in containers)
        paths = read_paths(sqlite, 150)
        assert len(paths) > 500
        differing = [path for path in paths if answer(memory, path) != answer(sqlite, path)]
        assert not differing, f"{len(differing)} of {len(paths)} differ, first: {differing[:5]}"
    finally:
        for container in containers:
            container.close()
