"""Background threads that leave the process's shutdown signals to its main thread.

The kernel hands a signal sent to a process to any one of its threads that does
not block it. uWSGI handles SIGTERM and SIGINT in C and runs Python's teardown on
whichever thread took the signal: a worker seen hanging until uWSGI's mercy ran
out (25 s, then SIGKILL) had that teardown running on the idle in-process bus
thread, waiting on itself. Every thread started here blocks those signals, so the
server's own thread always takes them.
"""

from __future__ import annotations

import contextlib
import contextvars
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

SHUTDOWN_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT})


def block_shutdown_signals() -> None:
    """In the calling thread only: new threads inherit the mask of the thread that starts them."""
    signal.pthread_sigmask(signal.SIG_BLOCK, SHUTDOWN_SIGNALS)


@contextlib.contextmanager
def shutdown_signals_blocked() -> Iterator[None]:
    """For threads that a library starts itself (an exporter's): started inside, they block
    shutdown signals for good; the calling thread gets its mask back on leaving."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SHUTDOWN_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def in_this_context(target: Callable[..., Any]) -> Callable[..., Any]:
    """`target` run, in whatever thread calls it, in a copy of the caller's context: the
    request id and the current span follow work handed to a pool."""
    context = contextvars.copy_context()

    def run(*args: Any) -> Any:
        return context.copy().run(target, *args)

    return run


def background_thread(target: Callable[..., Any], name: str, *args: Any) -> threading.Thread:
    """A started daemon thread that never takes a shutdown signal."""

    def run() -> None:
        block_shutdown_signals()
        target(*args)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def background_pool(workers: int, name: str) -> ThreadPoolExecutor:
    """A thread pool whose threads never take a shutdown signal."""
    return ThreadPoolExecutor(workers, thread_name_prefix=name, initializer=block_shutdown_signals)
