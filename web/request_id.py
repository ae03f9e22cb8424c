"""A request id on every response and every log line written while handling it.

A sane ``X-Request-Id`` from the client (or a proxy in front) is kept, so one
id follows a request across systems; anything else is replaced by a fresh one
rather than echoed, since it would land verbatim in logs.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Awaitable, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from config.logs import REQUEST_ID

HEADER = "X-Request-Id"
_SANE = re.compile(r"^[A-Za-z0-9._:@+=\-]{8,128}$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def choose_id(incoming: str | None) -> str:
    if incoming and _SANE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = choose_id(request.headers.get(HEADER))
    token = REQUEST_ID.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        # Redirects and bare HTTP errors are raised, not returned.
        exc.headers[HEADER] = request_id
        raise
    finally:
        REQUEST_ID.reset(token)
    if not response.prepared:
        response.headers[HEADER] = request_id
    return response


class AccessLogger(AbstractAccessLogger):
    """One line per request, with its id (written after the middleware has returned)."""

    @property
    def enabled(self) -> bool:
        # Below INFO, aiohttp skips the line altogether rather than build it for nothing.
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %d %.3fs',
            request.remote,
            request.method,
            request.path_qs,
            response.status,
            time,
            extra={"request_id": response.headers.get(HEADER)},
        )
