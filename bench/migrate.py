"""bench/migrate: `migrate-graph` copying bench/reads' store from one SQLite file to another.

It runs the command as a user would (`python -m main.cli migrate-graph`), then prints its
wall time, companies per second, its peak resident memory (VmHWM) and the peak of its own
memory (RssAnon, sampled every 0.2 s: resident memory also counts the pages of both
database files SQLite maps, which are the kernel's page cache), and the same against a
baseline measured in the same run: SQLite's own backup API copying the file page by page
(no rules, no checks: the floor any copy through the ports stands on).

    .venv/bin/python -m bench.migrate                  # 1,000,000 companies
    .venv/bin/python -m bench.migrate --size 100000 --batch 2000
"""

from __future__ import annotations

import argparse
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


def migrate(source: Path, target: Path, batch: int) -> tuple[float, dict[str, float], str]:
    """Wall seconds, peak memory figures (MB), and the command's last line."""
    command = [
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
    ]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    peaks = {"VmHWM": 0.0, "RssAnon": 0.0}
    while child.poll() is None:
        for name, value in memory(child.pid).items():
            peaks[name] = max(peaks[name], value)
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    said = child.stdout.read().strip().splitlines()
    if child.returncode != 0:
        raise SystemExit(f"migrate-graph exited {child.returncode}: {said}")
    return seconds, peaks, "\n  ".join(said)


def memory(pid: int) -> dict[str, float]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmHWM", "RssAnon") if name in fields}


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
        seconds, peaks, said = migrate(source, work / "copy.db", args.batch)
        print(f"bench/migrate: {args.size:,} companies, SQLite to SQLite, ranges of {args.batch:,}")
        print(
            f"  migrate-graph  {seconds:8.1f} s  {args.size / seconds:9,.0f} companies/s"
            f"  peak resident {peaks['VmHWM']:,.0f} MB, its own (anonymous) {peaks['RssAnon']:,.0f} MB"
        )
        print(f"  backup API     {floor:8.1f} s  (the floor; migrate-graph takes {seconds / floor:.1f}x)")
        print(f"  {said}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
