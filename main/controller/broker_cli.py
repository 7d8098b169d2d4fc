"""CLI commands that talk to RabbitMQ: bulk `publish`, and `dead list` / `dead replay`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
from flask import Flask, current_app
from tqdm import tqdm

from main.controller.cli import read_events
from main.service.errors import InvalidEvent
from main.service.ports import Delivery
from main.util.config import ConfigError


def _broker():
    try:
        return current_app.extensions["company_graph"].broker()
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def register_broker_commands(app: Flask) -> None:
    @app.cli.command("publish")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--no-progress", is_flag=True, help="No progress bar (for logs).")
    def publish_command(file: Path, no_progress: bool) -> None:
        """Publish the events of FILE (NDJSON or a JSON array) to RabbitMQ, with confirms.

        Lines that are not valid events are reported and not published. Exit status: 0 when
        every line was confirmed, 1 when any was rejected or refused by the broker."""
        publisher, _ = _broker()
        rejected: list[tuple[int, str]] = []

        def valid() -> Iterator[tuple[int, Delivery]]:
            for number, taken in read_events(file, current_app.extensions["company_graph"].skew):
                if isinstance(taken, InvalidEvent):
                    rejected.append((number, taken.reason))
                else:
                    yield number, Delivery(taken.event.event_type, taken.body, {})

        with tqdm(desc=file.name, unit=" confirmed", disable=no_progress) as bar:
            result = publisher.publish(valid(), on_confirm=bar.update)
        click.echo(f"confirmed: {result.confirmed}")
        click.echo(f"refused by the broker: {len(result.refused)}")
        for number, reason in result.refused:
            click.echo(f"  line {number}: {reason}")
        click.echo(f"rejected before publishing: {len(rejected)}")
        for number, reason in rejected:
            click.echo(f"  line {number}: {reason}")
        if result.refused or rejected:
            raise SystemExit(1)

    @app.cli.group("dead")
    def dead() -> None:
        """The dead-letter queue: what could not be applied, and why."""

    @dead.command("list")
    def dead_list() -> None:
        """List dead letters with their reasons (they stay in the queue)."""
        _, letters = _broker()
        found = letters.list()
        for letter in found:
            click.echo(f"{letter.id}\t{letter.routing_key}\t{letter.dead_lettered_at}\t{letter.reason}")
        click.echo(f"{len(found)} dead letter(s)")

    @dead.command("replay")
    @click.option("--id", "ids", multiple=True, help="Replay only this dead letter (repeatable).")
    @click.option("--all", "everything", is_flag=True, help="Replay every dead letter.")
    def dead_replay(ids: tuple[str, ...], everything: bool) -> None:
        """Send dead letters back to the worker, once what killed them is fixed."""
        if not ids and not everything:
            raise click.UsageError("name dead letters with --id, or pass --all")
        _, letters = _broker()
        replayed = letters.replay(None if everything else ids)
        for letter in replayed:
            click.echo(f"replayed {letter.id} ({letter.routing_key})")
        click.echo(f"{len(replayed)} replayed")
