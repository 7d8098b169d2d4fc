"""Imported by uWSGI's master before it forks (`shared-import` in uwsgi.ini), so each worker
starts with the gazetteer built (copy-on-write) instead of spending two seconds on it.

uWSGI ignores SIGTERM and SIGINT while it imports this (its own handlers come with
the master loop, after the fork), so a pod stopped in those seconds went on to serve
until it was killed. There are no workers and no requests yet: a stop then ends the
master at once.
"""

import os
import signal
import sys

from main.resources.gazetteer import shared_gazetteer
from main.util.heap import freeze_startup_objects

STOPS = (signal.SIGTERM, signal.SIGINT)


def _stop_now(signum: int, _frame: object) -> None:
    print(f"{signal.Signals(signum).name} while starting: stopped", file=sys.stderr, flush=True)
    os._exit(0)


_previous = {signum: signal.signal(signum, _stop_now) for signum in STOPS}
try:
    print("building the offline gazetteer in the master", file=sys.stderr, flush=True)
    shared_gazetteer().warm()
    freeze_startup_objects()
finally:
    for signum, handler in _previous.items():
        if handler is not None:  # None: a handler Python did not install, left as uWSGI set it
            signal.signal(signum, handler)
