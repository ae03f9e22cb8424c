"""/api/v1/me (your profile), /users and /suggestions; pictures are in web/api/avatars.py."""

from __future__ import annotations

from aiohttp import web

from config.i18n import SUPPORTED
from domain import avatars, digests, emails, profiles, suggestions
from web import keys, serializers
from web.bodies import parse_json
from web.schemas import ProfileBody


async def _avatar_urls(request: web.Request, usernames: list[str]) -> dict[str, str]:
    """username -> the versioned address of their picture, for those with one."""
    found = await avatars.versions(request.app[keys.KINDRED], usernames)
    route = request.app.router["avatar"]
    return {name: str(route.url_for(username=name).with_query(v=tag)) for name, tag in found.items()}


async def me(request: web.Request) -> web.Response:
    ctx = request.app[keys.KINDRED]
    return await _me(request, await profiles.own_profile(ctx, request[keys.USER]))


async def _me(request: web.Request, profile: profiles.Profile) -> web.Response:
    ctx = request.app[keys.KINDRED]
    urls = await _avatar_urls(request, [profile.username])
    account = await emails.status(ctx, request[keys.USER])
    digest = await digests.frequency(ctx, request[keys.USER])
    # A language this Kindred no longer offers reads as none chosen.
    language = request[keys.USER].language if request[keys.USER].language in SUPPORTED else None
    return web.json_response(serializers.me(profile, ctx.links, account, digest, urls.get(profile.username), language))


async def update_profile(request: web.Request) -> web.Response:
    ctx = request.app[keys.KINDRED]
    body = await parse_json(request, ProfileBody)
    profile = await profiles.update_profile(ctx, request[keys.USER], body.changes())
    return await _me(request, profile)


async def list_suggestions(request: web.Request) -> web.Response:
    limit = suggestions.parse_limit(request.query.get("limit"))
    found = await suggestions.suggest(
        request.app[keys.KINDRED], request[keys.USER], request.query.get("interest"), limit
    )
    urls = await _avatar_urls(request, [s.username for s in found])
    return web.json_response({"suggestions": [serializers.suggestion(s, urls.get(s.username)) for s in found]})


async def search_users(request: web.Request) -> web.Response:
    limit = suggestions.parse_limit(request.query.get("limit"))
    found = await profiles.search_people(
        request.app[keys.KINDRED], request[keys.USER], request.query.get("q", ""), limit
    )
    urls = await _avatar_urls(request, [p.username for p in found])
    return web.json_response({"users": [serializers.public_user(p, urls.get(p.username)) for p in found]})


async def user_profile(request: web.Request) -> web.Response:
    profile = await profiles.public_profile(
        request.app[keys.KINDRED], request.match_info["username"], request[keys.USER]
    )
    urls = await _avatar_urls(request, [profile.username])
    return web.json_response(serializers.public_user(profile, urls.get(profile.username)))
