"""Access tokens (short-lived JWTs) and the middleware that reads them.

The API takes ``Authorization: Bearer``; pages take an HttpOnly cookie and,
when the access token has expired, quietly rotate the refresh cookie so a
person is not logged out every fifteen minutes.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Awaitable, Callable

import jwt
from aiohttp import web

from domain import accounts, sessions
from domain.errors import KindredError
from store.users import User
from web import keys

ACCESS_COOKIE = "kindred_access"
REFRESH_COOKIE = "kindred_refresh"
_ALGORITHM = "HS256"


def issue_access_token(secret: str, user_id: int, minutes: int, epoch: int = 0) -> str:
    now = int(time.time())
    # ``ep``: the person's session epoch; a new password raises it, and every
    # token carrying an older one stops working at once.
    claims = {"sub": str(user_id), "typ": "access", "iat": now, "exp": now + minutes * 60, "ep": epoch}
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def read_access_token(secret: str, token: str) -> tuple[int, int, float] | None:
    """(user id, session epoch, expiry) of a valid access token, or None."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub", "typ"]})
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != "access":
        return None
    try:
        return int(claims["sub"]), int(claims.get("ep", 0)), float(claims["exp"])
    except (TypeError, ValueError):
        return None


async def token_user(app: web.Application, token: str) -> User | None:
    """The active person an access token speaks for, if it is still valid."""
    verified = app[keys.TOKENS]
    read = verified.get(token)
    if read is None:
        claims = read_access_token(app[keys.SECRETS].jwt_secret, token)
        if claims is None:
            return None
        verified.put(token, *claims)
        read = claims[0], claims[1]
    # The person's standing is read afresh every time: a suspension or a
    # raised session epoch refuses the very next request.
    user = await accounts.active_user(app[keys.KINDRED], read[0])
    return user if user is not None and user.session_epoch == read[1] else None


async def issue_pair(app: web.Application, user: User) -> dict[str, object]:
    settings = app[keys.SETTINGS]
    refresh = await sessions.start(app[keys.KINDRED], user.id, timedelta(days=settings.refresh_token_days))
    return token_body(app, user, refresh)


def token_body(app: web.Application, user: User, refresh: str) -> dict[str, object]:
    settings = app[keys.SETTINGS]
    secret = app[keys.SECRETS].jwt_secret
    return {
        "access_token": issue_access_token(secret, user.id, settings.access_token_minutes, user.session_epoch),
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": settings.access_token_minutes * 60,
    }


def set_session_cookies(request: web.Request, response: web.StreamResponse, pair: dict[str, object]) -> None:
    settings = request.app[keys.SETTINGS]
    lifetimes = (
        (ACCESS_COOKIE, "access_token", settings.access_token_minutes * 60),
        (REFRESH_COOKIE, "refresh_token", settings.refresh_token_days * 86400),
    )
    for cookie, token, max_age in lifetimes:
        response.set_cookie(
            cookie, str(pair[token]), httponly=True, samesite="Lax", secure=request.secure, max_age=max_age, path="/"
        )


def clear_session_cookies(response: web.StreamResponse) -> None:
    response.del_cookie(ACCESS_COOKIE, path="/")
    response.del_cookie(REFRESH_COOKIE, path="/")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[keys.USER] = await _identify(request)  # type: ignore[misc]
    is_api = request.path.startswith("/api/")
    # The public paths come from the API's route table (web/api_routes.py).
    if is_api and request[keys.USER] is None and request.path not in request.app[keys.PUBLIC_API]:
        # A token was presented but is expired, forged or its owner gone:
        # say so, so a client knows to refresh rather than ask for a login.
        presented = request.headers.get("Authorization", "").startswith("Bearer ")
        raise KindredError("token_invalid" if presented else "not_authenticated")
    response = await handler(request)
    pair = request.get(keys.NEW_COOKIES)
    if pair is not None:
        set_session_cookies(request, response, pair)
    return response


async def _identify(request: web.Request) -> User | None:
    header = request.headers.get("Authorization", "")
    if request.path.startswith("/api/"):
        if not header.startswith("Bearer "):
            return None
        return await token_user(request.app, header[7:].strip())
    user = await token_user(request.app, request.cookies.get(ACCESS_COOKIE, ""))
    if user is None and request.cookies.get(REFRESH_COOKIE):
        user = await _refresh_from_cookie(request)
    return user


async def _refresh_from_cookie(request: web.Request) -> User | None:
    try:
        user, refresh = await rotate(request.app, request.cookies[REFRESH_COOKIE])
    except KindredError:
        return None
    request[keys.NEW_COOKIES] = token_body(request.app, user, refresh)
    return user


async def rotate(app: web.Application, token: str) -> tuple[User, str]:
    """Trade a refresh token for a new one; the person it belongs to, active."""
    days = app[keys.SETTINGS].refresh_token_days
    user_id, refresh = await sessions.rotate(app[keys.KINDRED], token, timedelta(days=days))
    user = await accounts.active_user(app[keys.KINDRED], user_id)
    if user is None:
        raise KindredError("refresh_token_invalid")
    return user, refresh
