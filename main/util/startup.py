"""Stop at once when asked to while a process is still starting under uWSGI."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator

# SIGHUP: what a uWSGI master sends a worker to stop it gracefully (SIGTERM to the master)
STOPS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@contextlib.contextmanager
def stop_at_once_while(what: str, uwsgi_worker: bool = False) -> Iterator[None]:
    """SIGTERM, SIGINT or SIGHUP during the block ends the process with status 0, then the old
    dispositions come back.

    uWSGI's own handlers come late: its master ignores both signals while it imports
    `main.preload` (a stop was lost and the server went on serving), and a worker
    interrupted while it imports and builds its app counted it as a failed load
    (need-app: the whole server exited with code 22), and a worker asked to stop gracefully
    while it loaded never stopped (the master waited for it for good). Nothing is lost by stopping
    there: no request has been served and no event taken yet.
    """

    def stop(signum: int, _frame: object) -> None:
        print(f"{signal.Signals(signum).name} while {what}: stopped", file=sys.stderr, flush=True)
        os._exit(0)

    previous = {signum: signal.signal(signum, stop) for signum in STOPS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if uwsgi_worker and handler in (None, signal.SIG_IGN):
                # uWSGI ignores SIGTERM and SIGHUP while a worker loads and sets its own
                # handlers in C once the app is loaded. Given back, the ignoring lost a stop
                # that landed in between (the worker served on, the master waited for it for
                # good), and a Python handler would wait for the next request to run: the
                # default action ends the process at once.
                signal.signal(signum, signal.SIG_DFL)
            elif handler is not None:
                signal.signal(signum, handler)
