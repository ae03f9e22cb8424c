"""Per-address limits on signup and login, answered with 429 + Retry-After."""

from __future__ import annotations

import math
from dataclasses import dataclass

from aiohttp import web

from domain.errors import KindredError
from domain.throttle import SlidingWindow

__all__ = ["Limits", "SlidingWindow", "enforce"]


@dataclass(frozen=True)
class Limits:
    signup: SlidingWindow
    login: SlidingWindow


def enforce(window: SlidingWindow, request: web.Request) -> None:
    wait = window.hit(request.remote or "unknown")
    if wait is not None:
        raise KindredError("rate_limited", retry_after=max(1, math.ceil(wait)))
