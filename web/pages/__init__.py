"""Helpers every page shares: the signed-in person, CSRF, flashes, redirects."""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Awaitable, Callable
from urllib.parse import quote, unquote

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from domain import requests as requests_domain
from domain.errors import KindredError
from store.users import User
from web import keys

CSRF_COOKIE = "kindred_csrf"
CSRF_FIELD = "csrf_token"
FLASH_COOKIE = "kindred_flash"

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


async def template_globals(request: web.Request) -> dict[str, Any]:
    user: User | None = request.get(keys.USER)
    pending = 0
    if user is not None:
        pending = await requests_domain.pending_incoming_count(request.app[keys.KINDRED], user)
    return {
        "me": user,
        "csrf_token": request.get(keys.CSRF, ""),
        "pending_count": pending,
        "flash": unquote(request.cookies.get(FLASH_COOKIE, "")),
        "path": request.path,
    }


PAGE_SIZE = 20
# Deep pages cost a scan each; nobody reads past a thousand entries by paging.
_LAST_PAGE = 50


def page_number(request: web.Request, last: int | None = _LAST_PAGE) -> int:
    """``?page=N``; anything that is not a page number reads as the first page.

    ``last=None`` lifts the cap, for operators who must reach every entry.
    """
    try:
        page = int(request.query.get("page", "1"))
    except ValueError:
        return 1
    return page if page >= 1 and (last is None or page <= last) else 1


def pager(request: web.Request, page: int, has_next: bool) -> dict[str, str | None]:
    """Previous and Next links that keep the page's other query parameters."""

    def at(number: int) -> str:
        return str(request.rel_url.update_query(page=str(number)))

    return {
        "prev": at(page - 1) if page > 1 else None,
        "next": at(page + 1) if has_next and page < _LAST_PAGE else None,
    }


def current_user(request: web.Request) -> User:
    """The signed-in person, or a redirect to the login page that comes back here."""
    user: User | None = request.get(keys.USER)
    if user is None:
        location = request.app.router["login"].url_for().with_query(next=request.path_qs)
        raise web.HTTPSeeOther(location)
    return user


def redirect(
    request: web.Request, name: str, flash: str | None = None, query: dict[str, str] | None = None, **parts: str
) -> web.HTTPSeeOther:
    url = request.app.router[name].url_for(**parts)
    if query:
        url = url.with_query(query)
    response = web.HTTPSeeOther(url)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash), max_age=30, httponly=True, samesite="Lax", path="/")
    return response
