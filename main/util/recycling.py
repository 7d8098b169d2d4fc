"""Replace a uWSGI worker when its own memory has grown, not after a count of requests.

`max-requests` gave every worker nearly the same count (nginx spreads requests evenly),
so both workers of a pod left within the same second, with `max-requests-delta` or
without, and every request queued behind their restart: in bench/http, /health at a p99
of 649 ms against a p50 of 1.3 ms. A worker that leaks is what recycling is for, and a
leak shows in the process's anonymous memory (RssAnon; the SQLite file and the shared
imports are file pages, the same in every worker and not the worker's to give back).
Each worker's limit is staggered by its id, so two workers that grow alike still leave
one at a time; the one that leaves finishes its request first (SIGHUP to itself is
uWSGI's graceful stop of one worker) and the other serves while the master replaces it.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Reading /proc costs ~20 us; once per this many requests is nothing.
CHECK_EVERY = 500
# Between two workers' limits: more than a leak grows in CHECK_EVERY requests.
STAGGER_MB = 16


def anonymous_mb(status: Path = Path("/proc/self/status")) -> float:
    for line in status.read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RecycleOnMemory:
    def __init__(self, app: WsgiApp, limit_mb: int, worker_id: int) -> None:
        self.app = app
        self.limit_mb = limit_mb + STAGGER_MB * max(0, worker_id - 1)
        self.served = 0
        self.leaving = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.served += 1
        if self.served % CHECK_EVERY == 0 and not self.leaving:
            self._check()
        return self.app(environ, start_response)

    def _check(self) -> None:
        used = anonymous_mb()
        if used > self.limit_mb:
            self.leaving = True
            log.warning(
                "worker %d: %.0f MB of its own memory, over %d MB: replaced after this request",
                os.getpid(),
                used,
                self.limit_mb,
            )
            os.kill(os.getpid(), signal.SIGHUP)
