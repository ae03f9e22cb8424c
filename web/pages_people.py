"""Pages: your profile, discovering people, someone's profile."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from domain import profiles
from domain.errors import KindredError
from domain.matches import shared
from matcher import suggestions
from web import keys
from web.errors import STATUS
from web.pages import current_user, redirect


async def profile_form(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    profile = await profiles.own_profile(request.app[keys.KINDRED], user)
    form = {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "interests": ", ".join(profile.interests),
    }
    context = {"form": form, "errors": {}, "profile": profile}
    return aiohttp_jinja2.render_template("profile.html", request, context)


async def profile_submit(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    form = await request.post()
    values = {k: str(form.get(k, "")) for k in ("display_name", "bio", "interests")}
    try:
        await profiles.update_profile(request.app[keys.KINDRED], user, dict(values))
    except KindredError as exc:
        profile = await profiles.own_profile(request.app[keys.KINDRED], user)
        context = {"form": values, "errors": {exc.field or "form": exc.message}, "profile": profile}
        return aiohttp_jinja2.render_template("profile.html", request, context, status=STATUS[exc.kind])
    raise redirect(request, "profile", flash="Profile saved.")


async def discover(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    interest = request.query.get("interest", "").strip()
    query = request.query.get("q", "").strip()
    errors: dict[str, str] = {}
    found: list[suggestions.Suggestion] = []
    people: list[profiles.Profile] = []
    try:
        if query:
            people = await profiles.search_people(ctx, user, query)
        else:
            found = await suggestions.suggest(ctx, user, interest or None, 30)
    except KindredError as exc:
        errors[exc.field or "form"] = exc.message
    mine = await profiles.own_profile(ctx, user)
    context = {
        "suggestions": found,
        "people": people,
        "interest": interest,
        "q": query,
        "errors": errors,
        "my_interests": mine.interests,
    }
    return aiohttp_jinja2.render_template("discover.html", request, context)


async def user_page(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    profile = await profiles.public_profile(ctx, request.match_info["username"], user)
    mine = await profiles.own_profile(ctx, user)
    context = {
        "profile": profile,
        "shared": shared(mine.interests, profile.interests),
        "is_me": profile.username == user.username,
        "errors": {},
        "form": {},
    }
    return aiohttp_jinja2.render_template("user.html", request, context)
