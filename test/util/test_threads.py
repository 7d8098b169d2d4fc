"""Background threads never take the shutdown signals: the server's own thread does."""

from __future__ import annotations

import signal
import threading

from main.util.threads import SHUTDOWN_SIGNALS, background_pool, background_thread


def blocked_here() -> set[signal.Signals]:
    return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))


def test_a_background_thread_blocks_the_shutdown_signals() -> None:
    seen: list[set[signal.Signals]] = []
    background_thread(lambda: seen.append(blocked_here()), "probe").join(5)
    assert seen[0] >= SHUTDOWN_SIGNALS
    assert not SHUTDOWN_SIGNALS & blocked_here(), "the calling thread still takes them"


def test_every_thread_of_a_background_pool_blocks_them() -> None:
    pool = background_pool(3, "probe")
    barrier = threading.Barrier(3)

    def probe(_: int) -> set[signal.Signals]:
        barrier.wait(5)
        return blocked_here()

    masks = list(pool.map(probe, range(3)))
    pool.shutdown()
    assert all(mask >= SHUTDOWN_SIGNALS for mask in masks)
