"""GET /ws: an authenticated WebSocket that pushes events to a person's open pages.

Pages authenticate with their session cookie, API clients with
``Authorization: Bearer``. Each message is ``{"type", "data", "counts"}``;
``counts.pending_requests`` keeps the navigation badge right. The first
message is ``hello`` with the counts. Nothing is lost for someone offline:
the pages and the API show the same state when they come back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, AsyncIterator

from aiohttp import WSCloseCode, WSMsgType, web

from domain import requests
from store.users import User
from web import keys
from web.auth import set_session_cookies, token_user
from web.live_hub import LiveHub, Outbox

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30.0


def setup(app: web.Application) -> None:
    """Open the hub with the app (after the domain context) and close sockets first on shutdown."""
    app.cleanup_ctx.append(_hub)
    app.on_shutdown.append(_close_all)


async def _hub(app: web.Application) -> AsyncIterator[None]:
    hub = LiveHub(app[keys.KINDRED])
    app[keys.LIVE] = hub
    app[keys.LIVE_SOCKETS] = set()
    yield
    hub.stop()


async def _close_all(app: web.Application) -> None:
    for ws in list(app.get(keys.LIVE_SOCKETS, ())):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


async def socket(request: web.Request) -> web.StreamResponse:
    user = await _user(request)
    if user is None:
        raise web.HTTPUnauthorized(text="Log in to receive live updates.")
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS)
    # A page whose access cookie expired was refreshed on this very request:
    # the new cookies must ride on the handshake, or the browser keeps the
    # spent refresh token.
    pair = request.pop(keys.NEW_COOKIES, None)
    if pair is not None:
        set_session_cookies(request, ws, pair)
    await ws.prepare(request)
    hub = request.app[keys.LIVE]
    sockets = request.app[keys.LIVE_SOCKETS]
    outbox = hub.open(user.id)
    sockets.add(ws)
    writer = asyncio.create_task(_write(request, ws, user, outbox))
    try:
        async for message in ws:
            # The browser has nothing to say; reading notices closes and pings.
            if message.type == WSMsgType.ERROR:
                break
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        hub.close(user.id, outbox)
        sockets.discard(ws)
    return ws


async def _write(request: web.Request, ws: web.WebSocketResponse, user: User, outbox: Outbox) -> None:
    ctx = request.app[keys.KINDRED]
    message: dict[str, Any] = {"type": "hello", "data": {}}
    try:
        while not ws.closed:
            message["counts"] = {"pending_requests": await requests.pending_incoming_count(ctx, user)}
            await ws.send_json(message)
            message = await outbox.get()
    except (ConnectionError, RuntimeError) as exc:
        logger.debug("live socket of user %d closed: %s", user.id, exc)


async def _user(request: web.Request) -> User | None:
    user: User | None = request.get(keys.USER)
    if user is not None:
        return user
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return await token_user(request.app, header[7:].strip())
