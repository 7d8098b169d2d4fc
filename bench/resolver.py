"""bench/resolver: what the offline resolver costs per location, the first time and again.

Each round is a new process, which resolves every string of the project's two labelled
tables once (the first time: the gazetteer's lookups are SQLite queries on its index
file) and then again (its lookups remembered), and prints the microseconds a location of
each. The baseline, measured in the same run by processes of its own, alternating: the
tables' plain strings alone ("City, State, Country" as written plainly), so the ratio says
what the messy ones (buildings, several offices, parentheses, districts...) cost beside
them. Compare two commits by running it in each, alternating.

    .venv/bin/python -m bench.resolver
    .venv/bin/python -m bench.resolver --rounds 9
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def strings(which: str) -> list[str]:
    from test.resources.headquarters import HEADQUARTERS
    from test.resources.labelled_locations import LABELLED

    if which == "plain":
        return [text for text, *_, kind in HEADQUARTERS if kind == "plain"]
    return [text for text, *_ in HEADQUARTERS] + [text for text, *_ in LABELLED]


def child(which: str) -> None:
    from main.resources.geo.gazetteer import Gazetteer
    from main.resources.geo.offline_geocoder import OfflineGeocoder

    geocoder = OfflineGeocoder(Gazetteer())
    geocoder.warm()
    texts = strings(which)
    figures = []
    for _ in ("first", "again"):
        started = time.perf_counter()
        for text in texts:
            geocoder.resolve(text)
        figures.append((time.perf_counter() - started) / len(texts) * 1e6)
    print(len(texts), *(f"{figure:.2f}" for figure in figures))


def round_of(which: str) -> tuple[int, float, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.resolver", "--child", which],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    count, first, again = done.stdout.split()
    return int(count), float(first), float(again)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=("all", "plain"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    found: dict[str, list[tuple[int, float, float]]] = {"all": [], "plain": []}
    for _ in range(args.rounds):
        for which in found:
            found[which].append(round_of(which))
    print(f"bench/resolver: us a location, median of {args.rounds} processes each, alternating")
    medians = {}
    for which, rounds in found.items():
        first = statistics.median(r[1] for r in rounds)
        again = statistics.median(r[2] for r in rounds)
        medians[which] = (first, again)
        label = "every labelled string" if which == "all" else "the plain strings (baseline)"
        print(f"  {label:<32} {rounds[0][0]:4} strings  first {first:7.1f}  again {again:6.1f}")
    (first, again), (plain_first, plain_again) = medians["all"], medians["plain"]
    print(f"  every string / plain: first {first / plain_first:.2f}x, again {again / plain_again:.2f}x")


if __name__ == "__main__":
    main()
