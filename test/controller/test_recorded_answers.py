"""Every recorded answer of the read routes is given again, byte for byte (test/answers.py):
the demo data, and bench/reads' store of 100,000 companies (built once, kept under var/)."""

from __future__ import annotations

import json

import pytest

from test.answers import STORES, answer, recorded_file, served


# the first run builds bench/reads' 100,000 companies, minutes on a busy machine
@pytest.mark.timeout(900)
@pytest.mark.parametrize("store", STORES)
def test_every_read_answers_as_recorded(store: str) -> None:
    recorded = json.loads(recorded_file(store).read_text())
    assert len(recorded) > 500
    with served(store) as client:
        differing = [path for path, expected in recorded.items() if answer(client, path) != expected]
    assert not differing, f"{len(differing)} of {len(recorded)} answers changed, first: {differing[:5]}"
