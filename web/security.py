"""Security headers on every response.

The CSP allows scripts and styles only from Kindred itself (no inline
script), so injected markup cannot run; pages cannot be framed.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from aiohttp import web

from web import keys

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        # Redirects and other raised responses get the headers too.
        exc.headers.update(_HEADERS)
        raise
    if not response.prepared:
        response.headers.update(_HEADERS)
    return response


@web.middleware
async def forwarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Behind a trusted proxy, see the client's own address and scheme."""
    if not request.app[keys.SETTINGS].trust_proxy:
        return await handler(request)
    changes: dict[str, Any] = {}
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    if proto in ("http", "https"):
        changes["scheme"] = proto
    # The proxy appends the address it saw, so the last entry is the one it vouches for.
    client = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
    if client:
        changes["remote"] = client
    return await handler(request.clone(**changes) if changes else request)
