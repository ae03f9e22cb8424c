"""/api/v1/auth: signup, email codes, login, refresh, logout, forgotten passwords."""

from __future__ import annotations

from aiohttp import web

from config.i18n import N_
from domain import accounts, credentials, emails, languages, sessions
from domain.errors import KindredError
from web import keys, serializers
from web.auth import issue_pair, rotate, token_body
from web.bodies import parse_json
from web.i18n import browser_language
from web.ratelimit import enforce
from web.schemas import (
    ForgotBody,
    LoginBody,
    RefreshBody,
    ResendCodeBody,
    ResetBody,
    SignupBody,
    VerifyEmailBody,
)


async def signup(request: web.Request) -> web.Response:
    await enforce(request.app[keys.LIMITS].signup, request)
    body = await parse_json(request, SignupBody)
    user = await accounts.signup(
        request.app[keys.KINDRED],
        body.username,
        body.password,
        body.display_name,
        # Optional: an ID on another homeserver, used instead of a new local account.
        body.matrix_user_id,
        body.email,
        browser_language(request),
    )
    if user.status == "unverified":
        # require_email: no account (and no tokens) until the code comes back.
        return web.json_response({"user": serializers.signed_up_user(user), "email_verification": "sent"}, status=202)
    pair = await issue_pair(request.app, user)
    return web.json_response({"user": serializers.signed_up_user(user), **pair}, status=201)


async def verify_email(request: web.Request) -> web.Response:
    await enforce(request.app[keys.LIMITS].login, request)
    body = await parse_json(request, VerifyEmailBody)
    user = await accounts.verify_email(request.app[keys.KINDRED], body.username, body.code)
    return web.json_response(await issue_pair(request.app, user))


async def resend_code(request: web.Request) -> web.Response:
    await enforce(request.app[keys.LIMITS].login, request)
    body = await parse_json(request, ResendCodeBody)
    await emails.resend(request.app[keys.KINDRED], body.username)
    return web.json_response({"email_verification": "sent"}, status=202)


async def forgot(request: web.Request) -> web.Response:
    await enforce(request.app[keys.LIMITS].login, request)
    body = await parse_json(request, ForgotBody)
    who = body.email or body.username
    if who is None:
        raise KindredError("field_required", N_("Give 'username' or 'email'."), "username")
    await credentials.forgot(request.app[keys.KINDRED], who)
    return web.json_response({"reset": "mailed_if_known"}, status=202)


async def reset(request: web.Request) -> web.Response:
    await enforce(request.app[keys.LIMITS].login, request)
    body = await parse_json(request, ResetBody)
    await credentials.reset(request.app[keys.KINDRED], body.token, body.new_password)
    return web.json_response({"password_reset": True})


async def login(request: web.Request) -> web.Response:
    await enforce(request.app[keys.LIMITS].login, request)
    body = await parse_json(request, LoginBody)
    user = await accounts.authenticate(request.app[keys.KINDRED], body.username, body.password)
    await languages.note_browser(request.app[keys.KINDRED], user, browser_language(request))
    return web.json_response(await issue_pair(request.app, user))


async def refresh(request: web.Request) -> web.Response:
    body = await parse_json(request, RefreshBody)
    user, token = await rotate(request.app, body.refresh_token or "")
    return web.json_response(token_body(request.app, user, token))


async def logout(request: web.Request) -> web.Response:
    body = await parse_json(request, RefreshBody)
    await sessions.end(request.app[keys.KINDRED], body.refresh_token)
    return web.json_response({"logged_out": True})
