"""CLI commands on Flask's click, registered on every app: `python -m main.cli import FILE`, `demo`."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from tqdm import tqdm

from main.schema.intake import Accepted, accept_array, accept_raw
from main.service.clock_skew import FutureDated, SkewBound
from main.service.errors import InvalidEvent
from main.service.model import Event
from main.service.relocate import Relocator

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "demo.ndjson"
BATCH = 200


def read_events(path: Path, skew: SkewBound) -> Iterator[tuple[int, Accepted | InvalidEvent]]:
    """(line or item number, the event as the intake took or refused it), for NDJSON or a JSON array.

    Through the same intake as `POST /api/v1/events`, so a file's events are accepted
    and refused exactly as they would be over HTTP.
    """
    with path.open("rb") as handle:
        head = handle.read(1024).lstrip()
        handle.seek(0)
        if head.startswith(b"["):
            try:
                text = handle.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                yield 0, InvalidEvent(f"invalid JSON array: not UTF-8: {exc.reason}")
                return
            yield from enumerate(accept_array(text, skew), start=1)
            return
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield number, accept_raw(line, skew)
                except InvalidEvent as exc:
                    yield number, exc


def import_file(path: Path, progress: bool = True) -> dict[str, Any]:
    """Apply every valid event of `path` in batches; report outcomes and each rejected line."""
    container = current_app.extensions["company_graph"]
    counts: collections.Counter[str] = collections.Counter()
    rejected: list[tuple[int, str]] = []
    batch: list[Event] = []

    def flush() -> None:
        for outcome in container.sync.apply_batch(batch):
            counts[outcome.value] += 1
        batch.clear()

    for number, taken in tqdm(
        read_events(path, container.skew), desc=path.name, unit=" events", disable=not progress
    ):
        if isinstance(taken, InvalidEvent):
            rejected.append((number, taken.reason))
        else:
            batch.append(taken.event)
        if len(batch) >= BATCH:
            flush()
    flush()
    return {"outcomes": dict(counts), "rejected": rejected}


def _report(summary: dict[str, Any]) -> None:
    outcomes = summary["outcomes"]
    click.echo(
        "applied: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
        if outcomes
        else "applied: none"
    )
    click.echo(f"rejected: {len(summary['rejected'])}")
    for number, reason in summary["rejected"]:
        click.echo(f"  line {number}: {reason}")


def register_commands(app: Flask) -> None:
    @app.cli.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--no-progress", is_flag=True, help="No progress bar (for logs).")
    def import_command(file: Path, no_progress: bool) -> None:
        """Apply the events of FILE (NDJSON, or a JSON array) to the graph.

        Lines that are not valid events are reported and skipped, the others applied.
        Exit status: 0 when every line was applied, 1 when any was rejected."""
        summary = import_file(file, progress=not no_progress)
        _report(summary)
        if summary["rejected"]:
            raise SystemExit(1)

    @app.cli.command("relocate")
    @click.option("--limit", default=100_000, show_default=True, help="Most companies to look at.")
    @click.option("--no-progress", is_flag=True, help="No progress bar (for logs).")
    def relocate_command(limit: int, no_progress: bool) -> None:
        """Re-resolve locations left raw (geocoder down, rate limited) and link their places."""
        container = current_app.extensions["company_graph"]
        relocator = Relocator(container.store, container.sync.places)
        with tqdm(desc="relocate", unit=" companies", disable=no_progress) as bar:
            report = relocator.run(limit=limit, progress=bar.update)
        click.echo(
            f"checked {report.checked}: linked {report.linked}, still raw {report.still_raw},"
            f" changed meanwhile {report.changed_meanwhile}"
        )

    @app.cli.command("forget-applied")
    @click.option("--days", default=30, show_default=True, type=click.IntRange(min=0), help="Keep this many.")
    def forget_applied_command(days: int) -> None:
        """Forget the ids of dated events applied more than DAYS ago (run it daily, e.g. as a CronJob).

        A forgotten event delivered again is stale and changes nothing; the ids of events
        without occurredAt are kept for good."""
        forgotten = current_app.extensions["company_graph"].store.forget_applied(timedelta(days=days))
        click.echo(f"forgot {forgotten} applied event ids older than {days} days")

    @app.cli.command("future-dated")
    @click.option("--repair", is_flag=True, help="Pull their versions back to now.")
    def future_dated_command(repair: bool) -> None:
        """List companies whose field versions lie beyond MAX_EVENT_SKEW_SECONDS ahead of now.

        Such versions were written before the bound was enforced; while they stay, every
        update of the company is stale and a delete leaves it in place. With --repair they
        move back to now (each keeps its event id), so the next update or delete applies."""
        container = current_app.extensions["company_graph"]
        future = FutureDated(container.store, container.skew, container.lookup.invalidate)
        found = future.find()
        for key, latest in found:
            click.echo(f"{key}\t{latest}")
        click.echo(f"{len(found)} compan{'y' if len(found) == 1 else 'ies'} dated beyond the bound")
        if repair and found:
            click.echo(f"repaired {len(future.repair())}")

    @app.cli.command("migrate")
    def migrate_command() -> None:
        """Bring the graph store's schema up to date, then exit (run once before a rollout)."""
        store = current_app.extensions["company_graph"].store
        click.echo(f"graph store ready: schema version {store.schema_version()}")

    @app.cli.command("api-key")
    def api_key_command() -> None:
        """Print the first API key (generated under var/ on first use when API_KEYS is unset)."""
        click.echo(current_app.extensions["company_graph"].settings.api_keys[0])

    @app.cli.command("demo")
    def demo_command() -> None:
        """Load the shipped demo companies (safe to run twice: replayed events change nothing)."""
        _report(import_file(DEMO_FILE))
