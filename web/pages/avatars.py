"""Profile pictures: serving them, and the upload form on /profile."""

from __future__ import annotations

from aiohttp import web

from config.i18n import N_
from domain import avatars
from domain.errors import KindredError
from web import keys
from web.bodies import upload
from web.i18n import say, translator_of
from web.pages import current_user, redirect

# Links carry ?v=<digest>, so a versioned picture never changes: cache it long.
_VERSIONED = "private, max-age=31536000, immutable"
_UNVERSIONED = "private, max-age=300"


async def serve(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    found = await avatars.avatar_of(request.app[keys.KINDRED], request.match_info["username"], user)
    etag = f'"{found.digest}"'
    versioned = request.query.get("v") == found.digest[:12]
    headers = {
        "Cache-Control": _VERSIONED if versioned else _UNVERSIONED,
        "ETag": etag,
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": "inline",
    }
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    return web.Response(body=found.data, content_type=found.content_type, headers=headers)


async def upload_page(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    data, declared = await upload(request, "avatar", avatars.MAX_BYTES)
    try:
        await avatars.set_avatar(request.app[keys.KINDRED], user, data, declared)
    except KindredError as exc:
        raise redirect(request, "profile", flash=exc.message_in(translator_of(request))) from None
    raise redirect(request, "profile", flash=say(request, N_("Picture saved.")))


async def remove_page(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    try:
        await avatars.remove_avatar(request.app[keys.KINDRED], user)
    except KindredError as exc:
        raise redirect(request, "profile", flash=exc.message_in(translator_of(request))) from None
    raise redirect(request, "profile", flash=say(request, N_("Picture removed.")))
