"""Imported by uWSGI's master before it forks (`shared-import` in uwsgi.ini), so each worker
starts with the gazetteer built (copy-on-write) instead of spending two seconds on it."""

import sys

from main.resources.gazetteer import shared_gazetteer
from main.util.heap import freeze_startup_objects
from main.util.startup import stop_at_once_while

with stop_at_once_while("starting"):
    print("building the offline gazetteer in the master", file=sys.stderr, flush=True)
    shared_gazetteer().warm()
    freeze_startup_objects()
