"""`python -m main.cli COMMAND`: the app's click commands, with a container that does not consume."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

from main import worker
from main.bootstrap import bootstrap
from main.controller.http.app import create_app
from main.util.config import Settings
from main.util.logging import configure_logging


def create_cli_app() -> Flask:
    settings = Settings.from_env()
    configure_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
    return create_app(bootstrap(settings, consume=False))


cli = FlaskGroup(create_app=create_cli_app, add_default_commands=False, help="company-graph commands")


@cli.command("worker")
def worker_command() -> None:
    """Run the sync worker (the same as `python -m main.worker`)."""
    raise SystemExit(worker.main())


if __name__ == "__main__":
    cli()
