"""The live socket opens only from Kindred's own pages.

Browsers send cookies with a WebSocket handshake whatever page opens it, and
the same-origin policy does not stop a socket from reading. So ``/ws`` checks
the ``Origin`` a browser always sends against Kindred's public web URL
(``public_web_url``); without one configured, against the address the
request itself was made to. A handshake without ``Origin`` comes from no
browser (an API client with a bearer token, which carries no ambient
credentials) and is let through.

It runs before authentication, so a refused handshake never rotates the
refresh cookie it carries.
"""

from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web
from yarl import URL

from domain.errors import KindredError
from web import keys

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

LIVE_PATH = "/ws"


@web.middleware
async def websocket_origin(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path == LIVE_PATH:
        origin = request.headers.get("Origin")
        if origin is not None:
            # "null" (a sandboxed frame, a file) and anything unparsable are no site of ours.
            sent = _origin_of(origin)
            if sent is None or sent not in _allowed(request):
                raise KindredError("origin_forbidden")
    return await handler(request)


def _allowed(request: web.Request) -> set[str]:
    settings = request.app[keys.SETTINGS]
    if settings.public_web_url:
        candidates = [settings.public_web_url]
    else:
        candidates = [settings.web_url, f"{request.scheme}://{request.host}"]
    return {origin for origin in map(_origin_of, candidates) if origin is not None}


def _origin_of(url: str) -> str | None:
    """``scheme://host:port`` with the default port spelt out, or None if ``url`` has none."""
    try:
        parsed = URL(url.strip())
    except (ValueError, TypeError):
        return None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return None
    return f"{parsed.scheme}://{parsed.host.lower()}:{parsed.port}"
