"""/api/v1/me/matrix-id: link a Matrix ID from another homeserver, prove it, unlink it."""

from __future__ import annotations

from aiohttp import web

from domain import matrix_id_links
from web import keys, serializers
from web.bodies import parse_json
from web.schemas import LinkBody, VerifyBody


async def show(request: web.Request) -> web.Response:
    found = await matrix_id_links.status(request.app[keys.KINDRED], request[keys.USER])
    return web.json_response(serializers.matrix_link(found))


async def link(request: web.Request) -> web.Response:
    body = await parse_json(request, LinkBody)
    found = await matrix_id_links.request_link(request.app[keys.KINDRED], request[keys.USER], body.matrix_user_id)
    # Accepted, not done: the link counts once the code comes back.
    return web.json_response(serializers.matrix_link(found), status=202)


async def verify(request: web.Request) -> web.Response:
    body = await parse_json(request, VerifyBody)
    found = await matrix_id_links.verify(request.app[keys.KINDRED], request[keys.USER], body.code)
    return web.json_response(serializers.matrix_link(found))


async def unlink(request: web.Request) -> web.Response:
    found = await matrix_id_links.unlink(request.app[keys.KINDRED], request[keys.USER])
    return web.json_response(serializers.matrix_link(found))
