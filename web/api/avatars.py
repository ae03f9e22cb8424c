"""/api/v1/me/avatar: set and remove your profile picture (served by the page route ``avatar``)."""

from __future__ import annotations

from aiohttp import web

from domain import avatars
from web import keys
from web.bodies import upload


async def upload_avatar(request: web.Request) -> web.Response:
    ctx, user = request.app[keys.KINDRED], request[keys.USER]
    data, declared = await upload(request, "avatar", avatars.MAX_BYTES)
    digest = await avatars.set_avatar(ctx, user, data, declared)
    url = request.app.router["avatar"].url_for(username=user.username).with_query(v=digest[:12])
    return web.json_response({"avatar_url": str(url)})


async def remove_avatar(request: web.Request) -> web.Response:
    await avatars.remove_avatar(request.app[keys.KINDRED], request[keys.USER])
    return web.json_response({"avatar_url": None})
