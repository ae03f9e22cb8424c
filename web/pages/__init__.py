"""The pages, one module per resource (named as their API handlers in web/api/).

Here: what every page shares: the signed-in person, flashes, redirects, the pager.
The CSRF check on their forms is in web/middlewares.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web

from domain import requests as requests_domain
from store.users import User
from web import keys

FLASH_COOKIE = "kindred_flash"


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
