"""/api/v1/users/{username}/block, /report and /api/v1/me/blocks: keeping
someone away, and telling the operators (the web's side of the bot's
``!block`` and ``!report``; the same for a match is in web/api/matches.py)."""

from __future__ import annotations

from aiohttp import web

from domain import blocks, reports
from web import keys, serializers
from web.bodies import parse_json
from web.schemas import ReportBody


async def block_user(request: web.Request) -> web.Response:
    outcome = await blocks.block_user(request.app[keys.KINDRED], request[keys.USER], request.match_info["username"])
    return web.json_response({"blocked": outcome.other.username})


async def my_blocks(request: web.Request) -> web.Response:
    found = await blocks.my_blocks(request.app[keys.KINDRED], request[keys.USER])
    return web.json_response({"blocks": [serializers.blocked(b) for b in found]})


async def unblock_user(request: web.Request) -> web.Response:
    other = await blocks.unblock(request.app[keys.KINDRED], request[keys.USER], request.match_info["username"])
    return web.json_response({"unblocked": other.username})


async def report_user(request: web.Request) -> web.Response:
    body = await parse_json(request, ReportBody)
    stored = await reports.report_user(
        request.app[keys.KINDRED], request[keys.USER], request.match_info["username"], body.reason
    )
    return web.json_response({"report": serializers.report(stored)}, status=201)
