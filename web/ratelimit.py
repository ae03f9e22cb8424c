"""Per-address limits on signup and login, answered with 429 + Retry-After.

A sliding window in memory: enough for one Kindred process, and the only
state lost on restart is a few minutes of counting.
"""

from __future__ import annotations

import collections
import math
import time
from dataclasses import dataclass

from aiohttp import web

from domain.errors import KindredError

_MAX_KEYS = 100_000


class SlidingWindow:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, collections.deque[float]] = {}

    def hit(self, key: str, now: float | None = None) -> float | None:
        """Count one attempt; returns seconds to wait if it is over the limit."""
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= _MAX_KEYS:
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


@dataclass(frozen=True)
class Limits:
    signup: SlidingWindow
    login: SlidingWindow


def enforce(window: SlidingWindow, request: web.Request) -> None:
    wait = window.hit(request.remote or "unknown")
    if wait is not None:
        raise KindredError("rate_limited", retry_after=max(1, math.ceil(wait)))
