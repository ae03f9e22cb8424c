"""Per-address limits on signup and login attempts.

Counted in the store, not in memory, so that every ``kindred web`` process
on one database counts the same attempts: an address gets its allowance
once, however many processes its requests are spread over, and a restart
does not hand it a fresh one. A sliding window: at most ``allowed``
attempts in any ``window``; an attempt over the limit is not counted and is
told how long to wait until the oldest one counted leaves the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.context import Kindred
from domain.errors import KindredError
from store import rate_limits
from store.timeutil import iso, parse, utc_now

SIGNUP = "signup"
LOGIN = "login"


@dataclass(frozen=True)
class Limit:
    scope: str
    allowed: int
    window: timedelta


@dataclass(frozen=True)
class Limits:
    """The limits the web enforces, from the settings."""

    signup: Limit
    login: Limit

    @classmethod
    def per_settings(cls, signups_per_hour: int, logins_per_minute: int) -> Limits:
        return cls(
            signup=Limit(SIGNUP, signups_per_hour, timedelta(hours=1)),
            login=Limit(LOGIN, logins_per_minute, timedelta(minutes=1)),
        )


async def attempt(ctx: Kindred, limit: Limit, subject: str, now: datetime | None = None) -> None:
    """Count one attempt by ``subject`` (an address); over the limit, count
    nothing and refuse with the wait in seconds."""
    now = utc_now() if now is None else now
    start = iso(now - limit.window)
    async with ctx.db.transaction() as conn:
        await rate_limits.take_turn(conn, limit.scope)
        # Everyone's attempts older than the window count for nothing any more.
        await rate_limits.prune(conn, limit.scope, start)
        newest = await rate_limits.newest_since(conn, limit.scope, subject, start, limit.allowed)
        full = len(newest) >= limit.allowed
        if not full:
            await rate_limits.add(conn, limit.scope, subject, iso(now))
    if full:
        # Free again when the oldest of the last ``allowed`` attempts leaves the window.
        wait = parse(newest[-1]) + limit.window - now
        raise KindredError("rate_limited", retry_after=max(1, math.ceil(wait.total_seconds())))
