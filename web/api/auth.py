"""/api/v1/auth: signup, login, refresh, logout."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from domain import accounts, sessions
from web import keys, serializers
from web.auth import issue_pair, token_body
from web.bodies import parse_json
from web.ratelimit import enforce
from web.schemas import LoginBody, RefreshBody, SignupBody


async def signup(request: web.Request) -> web.Response:
    enforce(request.app[keys.LIMITS].signup, request)
    body = await parse_json(request, SignupBody)
    user = await accounts.signup(
        request.app[keys.KINDRED],
        body.username,
        body.password,
        body.display_name,
        # Optional: an ID on another homeserver, used instead of a new local account.
        body.matrix_user_id,
    )
    pair = await issue_pair(request.app, user.id)
    return web.json_response({"user": serializers.signed_up_user(user), **pair}, status=201)


async def login(request: web.Request) -> web.Response:
    enforce(request.app[keys.LIMITS].login, request)
    body = await parse_json(request, LoginBody)
    user = await accounts.authenticate(request.app[keys.KINDRED], body.username, body.password)
    return web.json_response(await issue_pair(request.app, user.id))


async def refresh(request: web.Request) -> web.Response:
    body = await parse_json(request, RefreshBody)
    days = request.app[keys.SETTINGS].refresh_token_days
    user_id, token = await sessions.rotate(request.app[keys.KINDRED], body.refresh_token or "", timedelta(days=days))
    return web.json_response(token_body(request.app, user_id, token))


async def logout(request: web.Request) -> web.Response:
    body = await parse_json(request, RefreshBody)
    await sessions.end(request.app[keys.KINDRED], body.refresh_token)
    return web.json_response({"logged_out": True})
