"""The pages, one module per resource (named as their API handlers in web/api/).

Here: what every page shares: the signed-in person, flashes, redirects, the pager.
The CSRF check on their forms is in web/middlewares.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence, TypeVar
from urllib.parse import quote, unquote

from aiohttp import web

from config.i18n import NAMES, negotiate
from domain import requests as requests_domain
from store.users import User
from web import keys
from web.i18n import translator_of

FLASH_COOKIE = "kindred_flash"

T = TypeVar("T")


# Answered in JSON only, errors included (web/errors.py): never a template.
_JSON_ONLY = ("/api/v1/", "/_kindred/")


async def template_globals(request: web.Request) -> dict[str, Any]:
    # aiohttp_jinja2 asks this of every request, before its handler runs:
    # an API call must not pay for a page's pending-request count.
    if request.path.startswith(_JSON_ONLY):
        return {}
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
        "require_email": request.app[keys.KINDRED].require_email,
        # <html lang>, the language select on Profile and what "as my browser asks" means now.
        "lang": translator_of(request).locale,
        "languages": NAMES,
        "browser_language": NAMES[negotiate(request.headers.get("Accept-Language"))],
    }


# Deep pages cost a scan each; nobody reads past a thousand entries by paging.
_MOST_ENTRIES = 1000


@dataclass(frozen=True)
class Pager:
    """One page of a long list: ``?page=N`` read and checked, ``page_size``
    entries a page (the setting), Previous and Next links.

    Ask the store for ``limit`` entries from ``offset``: one more than a page,
    which tells whether a next page exists; show ``shown(found)``.
    """

    request: web.Request
    number: int
    size: int
    last: int | None

    @classmethod
    def of(cls, request: web.Request, capped: bool = True) -> Pager:
        """The page asked for; anything that is not a page number reads as the
        first page. ``capped=False`` lifts the cap on depth, for operators who
        must reach every entry."""
        size = request.app[keys.SETTINGS].page_size
        last = max(1, _MOST_ENTRIES // size) if capped else None
        try:
            number = int(request.query.get("page", "1"))
        except ValueError:
            number = 1
        if number < 1 or (last is not None and number > last):
            number = 1
        return cls(request, number, size, last)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def limit(self) -> int:
        return self.size + 1

    def shown(self, found: Sequence[T]) -> list[T]:
        """The entries of this page, from what ``limit`` and ``offset`` fetched."""
        return list(found[: self.size])

    def links(self, found: Sequence[object]) -> dict[str, str | None]:
        """Previous and Next links that keep the page's other query parameters."""
        has_next = len(found) > self.size and (self.last is None or self.number < self.last)
        return {
            "prev": self._at(self.number - 1) if self.number > 1 else None,
            "next": self._at(self.number + 1) if has_next else None,
        }

    def _at(self, number: int) -> str:
        return str(self.request.rel_url.update_query(page=str(number)))


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
