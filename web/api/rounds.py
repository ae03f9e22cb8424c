"""Rounds: your settings, and whom the latest round introduced you to."""

from __future__ import annotations

from aiohttp import web

from domain import round_preferences, round_views
from web import keys, serializers
from web.bodies import parse_json
from web.i18n import translator_of
from web.schemas import RoundsBody


async def get_settings(request: web.Request) -> web.Response:
    view = await round_preferences.current(request.app[keys.KINDRED], request[keys.USER])
    return web.json_response({"rounds": serializers.rounds_settings(view)})


async def put_settings(request: web.Request) -> web.Response:
    body = await parse_json(request, RoundsBody)
    view = await round_preferences.change(
        request.app[keys.KINDRED],
        request[keys.USER],
        enabled=body.enabled,
        cadence_=body.cadence,
        timezone_=body.timezone,
        paused_until=body.paused_until if body.pause_given() else round_preferences.KEEP,
        skip_next=body.skip_next,
    )
    return web.json_response({"rounds": serializers.rounds_settings(view)})


async def current(request: web.Request) -> web.Response:
    found = await round_views.current(request.app[keys.KINDRED], request[keys.USER])
    return web.json_response({"round": serializers.current_round(found, translator_of(request))})
