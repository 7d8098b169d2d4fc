"""Imported by uWSGI's master before it forks (`shared-import` in uwsgi.ini).

It gives the server's processes one folder for their metrics, emptied (main/util/metrics_dir.py),
and imports the app's modules, building nothing (each worker still builds its own clients,
lazy-apps): forked workers share those pages instead of each importing its own copy. An API
worker's own memory with RabbitMQ, after start: 39 -> 22 MB (bench/http's layout at a
million companies). The master then holds the code the workers run: new code needs a new
master (a new pod, or SIGHUP, which re-executes uWSGI), as a worker replaced after
`max-requests` runs the master's modules.

Where the API applies events itself (the in-process bus, `make run`), it resolves
places with the offline gazetteer: the master makes sure its index file exists (built
once on a machine, ~7 s) before the workers start, so they do not race to build it; the
workers map the file and share its pages. With RabbitMQ the sync worker resolves places
and the API never does, so nothing is done here.
"""

import sys

from main.util.config import Settings
from main.util.metrics_dir import use_directory

SETTINGS = Settings.from_env()
# first: prometheus-client decides how to keep values when it is imported
use_directory(SETTINGS.var_dir / "metrics")

from main.resources.geo.gazetteer import shared_gazetteer  # noqa: E402
from main.util.heap import freeze_startup_objects  # noqa: E402
from main.util.startup import stop_at_once_while  # noqa: E402


def resolves_places(settings: Settings) -> bool:
    return settings.amqp_url.startswith("memory:") and settings.geocoder == "offline"


with stop_at_once_while("starting"):
    import main.bootstrap
    import main.controller.http.app  # noqa: F401

    if resolves_places(SETTINGS):
        print("finding (or building, the first time) the offline gazetteer", file=sys.stderr, flush=True)
        shared_gazetteer(SETTINGS.gazetteer_dir).warm()
    freeze_startup_objects()
