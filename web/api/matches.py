"""/api/v1/matches: your matches, and ending one: close, block, report (the
web's side of the bot's ``!unmatch``, ``!block`` and ``!report``); and
answering a round's check-in (the bot's ``!met``)."""

from __future__ import annotations

from aiohttp import web

from domain import blocks, checkins, matches, reports
from web import keys, serializers
from web.bodies import parse_json, path_id
from web.schemas import CheckinBody, ReportBody


async def close(request: web.Request) -> web.Response:
    match_id = path_id(request, "id", "match_not_found")
    view = await matches.close_match(request.app[keys.KINDRED], request[keys.USER], match_id)
    return web.json_response({"match": serializers.match(view)})


async def block(request: web.Request) -> web.Response:
    ctx, user = request.app[keys.KINDRED], request[keys.USER]
    match_id = path_id(request, "id", "match_not_found")
    await blocks.block_match(ctx, user, match_id)
    view = await matches.get_match(ctx, user, match_id)
    return web.json_response({"match": serializers.match(view)})


async def report(request: web.Request) -> web.Response:
    match_id = path_id(request, "id", "match_not_found")
    body = await parse_json(request, ReportBody)
    stored = await reports.report_match(request.app[keys.KINDRED], request[keys.USER], match_id, body.reason)
    return web.json_response({"report": serializers.report(stored)}, status=201)


async def list_matches(request: web.Request) -> web.Response:
    found = await matches.list_matches(request.app[keys.KINDRED], request[keys.USER])
    return web.json_response({"matches": [serializers.match(m) for m in found]})


async def get_match(request: web.Request) -> web.Response:
    match_id = path_id(request, "id", "match_not_found")
    view = await matches.get_match(request.app[keys.KINDRED], request[keys.USER], match_id)
    return web.json_response({"match": serializers.match(view)})


async def checkin(request: web.Request) -> web.Response:
    match_id = path_id(request, "id", "match_not_found")
    body = await parse_json(request, CheckinBody)
    answer = await checkins.answer(request.app[keys.KINDRED], request[keys.USER], match_id, body.met)
    return web.json_response({"checkin": serializers.checkin(answer)})
