"""Errors at the edge: JSON for the API, a page for people, never a trace.

Domain errors carry a catalogue code; their kind picks the HTTP status.
A database that is out of reach is a 503 (``database_unavailable``), as a
homeserver out of reach is. Anything unexpected is logged with its traceback
and answered with a generic 500 that reveals nothing.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_, Translator
from domain.errors import CATALOGUE, Kind, KindredError
from store.database import DatabaseUnavailable
from web.i18n import translator_of

logger = logging.getLogger(__name__)

STATUS = {
    Kind.INVALID: 400,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.TOO_LARGE: 413,
    Kind.RATE_LIMITED: 429,
    Kind.UNAVAILABLE: 503,
}

# Seconds: a restarting database is usually back within a few.
_DATABASE_RETRY_AFTER = 5

_INTERNAL_ERROR = N_("Something went wrong on our side; it has been logged.")

_HTTP_CODES = {
    400: "invalid_body",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    429: "rate_limited",
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, object]:
    error: dict[str, object] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return {"error": error}


def json_error(exc: KindredError, reader: Translator) -> web.Response:
    """The error as the API answers it: the code as it is, the message in the reader's language."""
    response = web.json_response(error_body(exc.code, exc.message_in(reader), exc.field), status=STATUS[exc.kind])
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    # The internal /_kindred/ endpoints answer machines, in the API's shape.
    is_api = request.path.startswith(("/api/", "/_kindred/"))
    try:
        try:
            return await handler(request)
        except DatabaseUnavailable as lost:
            logger.warning("%s %s: %s", request.method, request.path, lost)
            raise KindredError("database_unavailable", retry_after=_DATABASE_RETRY_AFTER) from lost
    except KindredError as exc:
        if is_api:
            return json_error(exc, translator_of(request))
        page = _page(request, STATUS[exc.kind], exc.message_in(translator_of(request)))
        if exc.retry_after is not None:
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status)
        if is_api and code is not None:
            message = translator_of(request).gettext(CATALOGUE[code].message)
            return web.json_response(error_body(code, message), status=exc.status)
        if not is_api and exc.status in (404, 405, 413):
            message = translator_of(request).gettext(CATALOGUE[_HTTP_CODES[exc.status]].message)
            return _page(request, exc.status, message)
        raise
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        message = translator_of(request).gettext(_INTERNAL_ERROR)
        if is_api:
            return web.json_response(error_body("internal_error", message), status=500)
        return _page(request, 500, message)


def _page(request: web.Request, status: int, message: str) -> web.Response:
    translator_of(request)  # the page speaks the language the message was put in
    response = aiohttp_jinja2.render_template(
        "error.html", request, {"status": status, "message": message}, status=status
    )
    return response
