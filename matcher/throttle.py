"""A per-person limit on bot commands.

Over the limit, the first command gets a polite "slow down" and the rest of
the burst is ignored, so a flood of commands cannot become a flood of
answers. Memory stays bounded: idle people are pruned.
"""

from __future__ import annotations

import collections
import math
import time
from dataclasses import dataclass

_MAX_KEYS = 10_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # Set on the first refusal of a burst: say how long to wait.
    warn_seconds: int | None = None


class CommandThrottle:
    def __init__(self, limit: int = 20, window_seconds: float = 60.0) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, collections.deque[float]] = {}
        self._warned: dict[str, float] = {}

    def check(self, key: str, now: float | None = None) -> Verdict:
        now = time.monotonic() if now is None else now
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= _MAX_KEYS:
                self._prune(now)
            hits = self._hits[key] = collections.deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            self._warned.pop(key, None)
            return Verdict(True)
        free_at = hits[0] + self.window
        if self._warned.get(key) == free_at:
            return Verdict(False)
        self._warned[key] = free_at
        return Verdict(False, max(1, math.ceil(free_at - now)))

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]
            self._warned.pop(key, None)
