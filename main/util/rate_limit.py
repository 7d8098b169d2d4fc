"""A client-side rate limiter shared by every thread of a process.

It grants a call only when, counting it, no window (one second, one minute...)
holds more calls than its limit (a sliding-window log), and never sooner after the
previous call than the shortest window allows on average (2 per second: 0.5 s
apart), so the upstream sees an even pace, not bursts at each window's start.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        limits: dict[float, int],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`limits` maps a window in seconds to the most calls it may hold, e.g. {1: 2, 60: 60}."""
        self.limits = {window: count for window, count in limits.items() if count > 0}
        self.clock = clock
        self.sleep = sleep
        self._granted: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()
        self._longest = max(self.limits, default=0.0)
        self._spacing = min((window / count for window, count in self.limits.items()), default=0.0)

    def acquire(self) -> float:
        """Block until a call may go; return the instant it was granted, on the limiter's clock.

        That instant, not the moment the caller's thread runs again, is what the windows
        count: a caller stamping its own time after this returns may see grants bunch up.
        """
        while True:
            with self._lock:
                now = self.clock()
                while self._granted and self._granted[0] <= now - self._longest:
                    self._granted.popleft()
                delay = self._delay(now)
                if delay <= 0:
                    self._granted.append(now)
                    return now
            self.sleep(delay)

    def _delay(self, now: float) -> float:
        """How long until every window has room for one more call."""
        delay = self._granted[-1] + self._spacing - now if self._granted else 0.0
        for window, count in self.limits.items():
            inside = [t for t in self._granted if t > now - window]
            if len(inside) >= count:
                delay = max(delay, inside[-count] + window - now)
        return delay
