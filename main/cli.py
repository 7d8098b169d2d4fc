"""`python -m main.cli COMMAND`: the app's click commands, with a container that does not consume."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import click
from flask import Flask
from flask.cli import FlaskGroup
from tqdm import tqdm

from main.bootstrap import bootstrap, build_store
from main.controller.http.app import create_app
from main.resources.sqlite.connection import sqlite_path
from main.service.keys import COMPANY
from main.service.migration import PHASES, GraphMigration
from main.util.config import ConfigError, Settings
from main.util.logging import configure_logging
from main.worker import process as worker


def create_cli_app() -> Flask:
    settings = Settings.from_env()
    configure_logging("WARNING" if settings.log_level == "INFO" else settings.log_level, settings.log_format)
    return create_app(bootstrap(settings, consume=False))


class ProjectCommands(FlaskGroup):
    """Flask's command group, showing this project's commands before its options.

    Flask's own options (`--app`, `--env-file`, `--debug`, `--version`) are left out:
    the app is always this one and its configuration comes from the environment.
    """

    def __init__(self) -> None:
        super().__init__(
            create_app=create_cli_app,
            add_default_commands=False,
            add_version_option=False,
            set_debug_flag=False,
            load_dotenv=False,
            help="company-graph: import, publish and inspect events, run the worker.\n\n"
            "Configured by the environment (GRAPH_URL, AMQP_URL, ...; see the README).",
        )
        self.params = [p for p in self.params if p.name not in FLASK_OPTIONS]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self.format_commands(ctx, formatter)
        click.Command.format_options(self, ctx, formatter)


FLASK_OPTIONS = {"app", "env_file", "debug"}
cli = ProjectCommands()


# no app of its own: it builds the two stores its options name, not GRAPH_URL's
@cli.command("migrate-graph", with_appcontext=False)
@click.option("--from", "source_url", required=True, metavar="GRAPH_URL", help="The store to copy.")
@click.option("--to", "target_url", required=True, metavar="GRAPH_URL", help="The store to copy into.")
@click.option(
    "--batch", default=1_000, show_default=True, type=click.IntRange(min=1), help="Companies a range."
)
@click.option(
    "--checkpoint",
    default=Path("var/migrate-graph.json"),
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the copy notes how far it got, to resume after an interruption.",
)
@click.option("--no-progress", is_flag=True, help="No progress bar (for logs).")
def migrate_graph_command(
    source_url: str, target_url: str, batch: int, checkpoint: Path, no_progress: bool
) -> None:
    """Copy a whole graph between two stores (SQLite, ArangoDB, memory), then check both.

    Companies with their versions and edges, the places and industries they reach, the
    ids of applied events and the remembered places, in ranges of BATCH; run it again
    after an interruption and it goes on from its checkpoint. Exit status 0 when both
    stores then hold the same counts and the same digest of every company, 1 otherwise."""
    if same_store(source_url, target_url):
        raise click.UsageError("--from and --to name the same store")
    if source_url == "memory://":
        raise click.UsageError("--from memory://: a new process's memory holds no graph to copy")
    if source_url.startswith("sqlite:") and not sqlite_path(source_url).exists():
        raise click.UsageError(f"--from {source_url}: no such file")
    try:
        source = build_store(Settings(graph_url=unmapped(source_url)))
        target = build_store(Settings(graph_url=unmapped(target_url)))
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    migration = GraphMigration(source, target, batch)
    progress = resumed(checkpoint, source_url, target_url)
    if any(phase in progress for phase in PHASES):
        click.echo(f"resuming from {checkpoint}")
    elif checkpoint.exists():
        click.echo(f"{checkpoint} is another copy's: starting from the beginning")
    with tqdm(total=source.tally(COMPANY), unit=" companies", disable=no_progress, desc="copy") as bar:

        def moved(phase: str, count: int) -> None:
            if phase == "companies":
                bar.update(count)

        started = time.monotonic()
        migration.copy(progress, lambda: checkpoint.write_text(json.dumps(progress)), moved)
    copied = time.monotonic()
    verdict = migration.verify(progress)
    click.echo(f"copied in {copied - started:.0f} s, checked in {time.monotonic() - copied:.0f} s")
    checkpoint.unlink(missing_ok=True)
    census = verdict.target
    click.echo(
        f"copied: {census.companies} companies, {census.applied} applied event ids,"
        f" {census.places} remembered places; digest {census.digest}"
    )
    for difference in verdict.differences():
        click.echo(f"differs: {difference}")
    source.close()
    target.close()
    raise SystemExit(0 if verdict.same else 1)


def resumed(checkpoint: Path, source_url: str, target_url: str) -> dict:
    """Where an interrupted copy of the same two stores stood, or a fresh start."""
    pair = {"from": redacted(source_url), "to": redacted(target_url)}
    if checkpoint.exists():
        try:
            held = json.loads(checkpoint.read_text())
        except ValueError:
            held = {}
        if isinstance(held, dict) and {key: held.get(key) for key in pair} == pair:
            return held
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    return dict(pair)


def same_store(first: str, second: str) -> bool:
    if first.startswith("sqlite:") and second.startswith("sqlite:"):
        return sqlite_path(first).resolve() == sqlite_path(second).resolve()
    return first == second


def unmapped(url: str) -> str:
    """A SQLite file read or written once through is not mapped into memory (mmap_size=0),
    unless the URL says otherwise: its mapped pages would count as the command's own."""
    if not url.startswith("sqlite:") or "mmap_size" in urlsplit(url).query:
        return url
    return f"{url}{'&' if '?' in url else '?'}mmap_size=0"


def redacted(url: str) -> str:
    """A URL as a checkpoint may keep it: no password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


# the worker builds its own container (python -m main.worker), not the CLI app's
@cli.command("worker", with_appcontext=False)
def worker_command() -> None:
    """Run the sync worker (the same as `python -m main.worker`)."""
    raise SystemExit(worker.main())


if __name__ == "__main__":
    cli()
