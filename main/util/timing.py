"""`@timed`: log how long the calls that matter take, without touching their code."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger("main.timing")


def timed(name: str | None = None, level: int = logging.DEBUG) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Log the wall time of each call at `level`; failures are timed too."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        label = name or func.__qualname__

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                if log.isEnabledFor(level):
                    log.log(level, "%s took %.2f ms", label, (time.perf_counter() - started) * 1000)

        return wrapper

    return decorate
