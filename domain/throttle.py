"""A sliding-window counter: at most ``limit`` events per key per window.

The bot's command limit counts with it (matcher/throttle.py). It lives in
memory: only the one process holding the bot lease answers commands, and a
takeover or a restart forgets at most a minute of counting. The web's signup
and login limits must hold across processes and are counted in the store
instead (domain/rate_limits.py). Idle keys are pruned so memory stays bounded.
"""

from __future__ import annotations

import collections
import time


class SlidingWindow:
    def __init__(self, limit: int, window_seconds: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self._max_keys = max_keys
        self._hits: dict[str, collections.deque[float]] = {}

    def hit(self, key: str, now: float | None = None) -> float | None:
        """Count one event; over the limit, count nothing and return the wait in seconds."""
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self._max_keys:
                self._prune(now)
            hits = self._hits[key] = collections.deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window - now
        hits.append(now)
        return None

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]
