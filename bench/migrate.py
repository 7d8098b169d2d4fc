"""bench/migrate: `migrate-graph` copying bench/reads' store from one SQLite file to another.

It runs the command as a user would (`python -m main.cli migrate-graph`), then prints its
wall time, its peak resident memory (the child's ru_maxrss), companies per second, and the
same against a baseline measured in the same run: SQLite's own backup API copying the
file page by page (no rules, no checks: the floor any copy through the ports stands on).

    .venv/bin/python -m bench.migrate                  # 1,000,000 companies
    .venv/bin/python -m bench.migrate --size 100000 --batch 2000
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.http import ensure_store

ROOT = Path(__file__).resolve().parents[1]


def backup_seconds(source: Path, target: Path) -> float:
    started = time.perf_counter()
    with sqlite3.connect(source) as conn, sqlite3.connect(target) as copy:
        conn.backup(copy)
    return time.perf_counter() - started


def migrate(source: Path, target: Path, batch: int) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB, and the command's last line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "main.cli",
            "migrate-graph",
            "--from",
            f"sqlite:///{source}",
            "--to",
            f"sqlite:///{target}",
            "--batch",
            str(batch),
            "--checkpoint",
            str(target.parent / "checkpoint.json"),
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    return seconds, peak, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    source = ensure_store(args.size)
    work = Path(tempfile.mkdtemp(prefix="bench-migrate-"))
    try:
        floor = backup_seconds(source, work / "backup.db")
        seconds, peak, said = migrate(source, work / "copy.db", args.batch)
        print(f"bench/migrate: {args.size:,} companies, SQLite to SQLite, ranges of {args.batch:,}")
        print(
            f"  migrate-graph  {seconds:8.1f} s  {args.size / seconds:9,.0f} companies/s  peak {peak:6.0f} MB"
        )
        print(f"  backup API     {floor:8.1f} s  (the floor; migrate-graph takes {seconds / floor:.1f}x)")
        print(f"  {said}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
