"""A per-person limit on bot commands.

Over the limit, the first command gets a polite "slow down" and the rest of
the burst is ignored, so a flood of commands cannot become a flood of
answers. Memory stays bounded: idle people are pruned.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from domain.throttle import SlidingWindow

_MAX_KEYS = 10_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # Set on the first refusal of a burst: say how long to wait.
    warn_seconds: int | None = None


class CommandThrottle:
    def __init__(self, limit: int = 20, window_seconds: float = 60.0) -> None:
        self._window = SlidingWindow(limit, window_seconds, max_keys=_MAX_KEYS)
        self._warned: dict[str, float] = {}

    def check(self, key: str, now: float | None = None) -> Verdict:
        now = time.monotonic() if now is None else now
        wait = self._window.hit(key, now)
        if wait is None:
            self._warned.pop(key, None)
            return Verdict(True)
        free_at = round(now + wait, 6)
        if self._warned.get(key) == free_at:
            return Verdict(False)
        if len(self._warned) >= _MAX_KEYS:
            self._warned.clear()
        self._warned[key] = free_at
        return Verdict(False, max(1, math.ceil(wait)))
