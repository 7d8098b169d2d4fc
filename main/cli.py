"""`python -m main.cli COMMAND`: the app's click commands, with a container that does not consume."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from main.bootstrap import bootstrap
from main.controller.http.app import create_app
from main.util.config import Settings
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


@cli.command("worker")
def worker_command() -> None:
    """Run the sync worker (the same as `python -m main.worker`)."""
    raise SystemExit(worker.main())


if __name__ == "__main__":
    cli()
