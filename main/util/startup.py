"""Stop at once when asked to while a process is still starting under uWSGI."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator

STOPS = (signal.SIGTERM, signal.SIGINT)


@contextlib.contextmanager
def stop_at_once_while(what: str) -> Iterator[None]:
    """SIGTERM or SIGINT during the block ends the process with status 0, then the old
    dispositions come back.

    uWSGI's own handlers come late: its master ignores both signals while it imports
    `main.preload` (a stop was lost and the server went on serving), and a worker
    interrupted while it imports and builds its app counted it as a failed load
    (need-app: the whole server exited with code 22). Nothing is lost by stopping
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
            if handler is not None:  # None: set outside Python (by uWSGI); its own comes later
                signal.signal(signum, handler)
