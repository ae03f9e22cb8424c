"""/api/v1/me (profile and picture), /users and /suggestions."""

from __future__ import annotations

from aiohttp import web

from domain import avatars, profiles, suggestions
from web import keys, serializers
from web.bodies import parse_json, upload
from web.schemas import ProfileBody


async def _avatar_urls(request: web.Request, usernames: list[str]) -> dict[str, str]:
    """username -> the versioned address of their picture, for those with one."""
    found = await avatars.versions(request.app[keys.KINDRED], usernames)
    route = request.app.router["avatar"]
    return {name: str(route.url_for(username=name).with_query(v=tag)) for name, tag in found.items()}


async def me(request: web.Request) -> web.Response:
    ctx = request.app[keys.KINDRED]
    profile = await profiles.own_profile(ctx, request[keys.USER])
    urls = await _avatar_urls(request, [profile.username])
    return web.json_response(serializers.me(profile, ctx.links, urls.get(profile.username)))


async def update_profile(request: web.Request) -> web.Response:
    ctx = request.app[keys.KINDRED]
    body = await parse_json(request, ProfileBody)
    profile = await profiles.update_profile(ctx, request[keys.USER], body.changes())
    urls = await _avatar_urls(request, [profile.username])
    return web.json_response(serializers.me(profile, ctx.links, urls.get(profile.username)))


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


async def upload_avatar(request: web.Request) -> web.Response:
    ctx, user = request.app[keys.KINDRED], request[keys.USER]
    data, declared = await upload(request, "avatar", avatars.MAX_BYTES)
    digest = await avatars.set_avatar(ctx, user, data, declared)
    url = request.app.router["avatar"].url_for(username=user.username).with_query(v=digest[:12])
    return web.json_response({"avatar_url": str(url)})


async def remove_avatar(request: web.Request) -> web.Response:
    await avatars.remove_avatar(request.app[keys.KINDRED], request[keys.USER])
    return web.json_response({"avatar_url": None})
