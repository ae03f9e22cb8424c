"""Per-address limits on signup and login, answered with 429 + Retry-After.

The attempts are counted in the store (domain/rate_limits.py), so the limits
hold across every ``kindred web`` process on one database.
"""

from __future__ import annotations

from aiohttp import web

from domain import rate_limits
from domain.rate_limits import Limit
from web import keys


async def enforce(limit: Limit, request: web.Request) -> None:
    await rate_limits.attempt(request.app[keys.KINDRED], limit, request.remote or "unknown")
