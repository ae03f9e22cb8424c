"""Every middleware of the app, in the order a request meets them.

The first is outermost: it sees the request first and the response last.
``create_app`` takes this list as it is, so the order is declared here and
nowhere else. Each middleware's code lives beside what it serves (tokens in
web/auth.py, the error catalogue in web/errors.py, ...); CSRF, which belongs
to no other module, is written here.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Awaitable, Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Middleware

from domain.errors import KindredError
from web import keys
from web.auth import auth_middleware
from web.errors import error_middleware
from web.i18n import language_middleware
from web.metrics import metrics_middleware
from web.origin import websocket_origin
from web.pages import FLASH_COOKIE
from web.request_id import request_id_middleware
from web.security import forwarded, security_headers

CSRF_COOKIE = "kindred_csrf"
CSRF_FIELD = "csrf_token"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Double-submit token on every page form: the cookie and the field must agree."""
    # JSON callers (the API, and the homeserver on /_kindred/) carry no forms.
    if request.path.startswith(("/api/", "/_kindred/")):
        return await handler(request)
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(24)
        request[keys.NEW_CSRF] = True
    request[keys.CSRF] = token
    if request.method == "POST":
        try:
            form = await request.post()
        except (ValueError, HttpProcessingError):  # a multipart body that cannot be parsed carries no token
            raise KindredError("csrf_failed") from None
        sent = str(form.get(CSRF_FIELD, ""))
        if request.get(keys.NEW_CSRF) or not hmac.compare_digest(sent, token):
            raise KindredError("csrf_failed")
    response = await handler(request)
    if request.cookies.get(FLASH_COOKIE) and response.status < 300:
        response.del_cookie(FLASH_COOKIE, path="/")  # shown once
    if request.get(keys.NEW_CSRF):
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="Lax", secure=request.secure, path="/")
    return response


MIDDLEWARES: tuple[Middleware, ...] = (
    # Outermost, so every log line and response carries the id, errors included.
    request_id_middleware,
    # Behind a trusted proxy, the client's address and scheme for all below.
    forwarded,
    # Counts every answer, the error pages and refusals below included.
    metrics_middleware,
    # Outside the error middleware: error pages and redirects get the headers too.
    security_headers,
    # Turns what the middlewares below and the handlers raise into JSON or a page.
    error_middleware,
    # Before authentication, so a refused socket handshake never rotates a refresh cookie.
    websocket_origin,
    # Who is asking: the bearer token (API) or the cookies (pages); sets new cookies on the way out.
    auth_middleware,
    # Once the person is known: their language, for the pages and errors below.
    language_middleware,
    # Innermost, next to the page handlers whose forms it checks.
    csrf_middleware,
)
