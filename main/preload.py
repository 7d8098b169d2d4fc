"""Imported by uWSGI's master before it forks (`shared-import` in uwsgi.ini).

Where the API applies events itself (the in-process bus, `make run`), each worker
would spend two seconds building the offline gazetteer: the master builds it once
and the workers share it, copy-on-write. With RabbitMQ the sync worker resolves
places and the API never does, so nothing is built: about 110 MB less per process.
"""

import sys

from main.resources.gazetteer import shared_gazetteer
from main.util.config import Settings
from main.util.heap import freeze_startup_objects
from main.util.startup import stop_at_once_while


def resolves_places(settings: Settings) -> bool:
    return settings.amqp_url.startswith("memory:") and settings.geocoder == "offline"


with stop_at_once_while("starting"):
    if resolves_places(Settings.from_env()):
        print("building the offline gazetteer in the master", file=sys.stderr, flush=True)
        shared_gazetteer().warm()
    freeze_startup_objects()
