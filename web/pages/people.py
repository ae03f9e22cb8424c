"""Pages: your profile, discovering people, someone's profile."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_, translator
from domain import avatars, circle_presence, circles, languages, presence_views, profiles, suggestions
from domain.context import Kindred
from domain.errors import KindredError
from domain.matches import shared
from store.users import User
from web import keys
from web.bodies import parse_form
from web.errors import STATUS
from web.i18n import say, translator_of
from web.pages import Pager, current_user, redirect
from web.schemas import LanguageForm, PresenceForm, ProfileForm


async def profile_form(request: web.Request) -> web.StreamResponse:
    return await _profile_page(request)


async def _profile_page(request: web.Request, errors: dict[str, str] | None = None, status: int = 200) -> web.Response:
    user = current_user(request)
    profile = await profiles.own_profile(request.app[keys.KINDRED], user)
    form = {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "interests": ", ".join(profile.interests),
    }
    mine = await avatars.versions(request.app[keys.KINDRED], [user.username])
    hidden = await circle_presence.is_hidden(request.app[keys.KINDRED], user.id)
    context = {"form": form, "errors": errors or {}, "profile": profile, "avatars": mine, "presence_hidden": hidden}
    return aiohttp_jinja2.render_template("profile.html", request, context, status=status)


async def choose_presence(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, PresenceForm)
    hidden = form.hidden == "on"
    await circle_presence.set_hidden(request.app[keys.KINDRED], current_user(request).id, hidden)
    t = translator_of(request)
    said = t.gettext("Your presence is hidden.") if hidden else t.gettext("Your presence shows again.")
    raise redirect(request, "profile", flash=said)


async def choose_language(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    form = await parse_form(request, LanguageForm)
    try:
        chosen = await languages.set_language(request.app[keys.KINDRED], user, form.language)
    except KindredError as exc:
        return await _profile_page(request, {"language": exc.message_in(translator_of(request))}, STATUS[exc.kind])
    # Said in the language just chosen: the next page speaks it too.
    now = translator(languages.language_for(None, request.headers.get("Accept-Language")) if chosen is None else chosen)
    raise redirect(request, "profile", flash=now.gettext("Language saved."))


async def profile_submit(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    form = await parse_form(request, ProfileForm)
    try:
        await profiles.update_profile(request.app[keys.KINDRED], user, form.changes())
    except KindredError as exc:
        profile = await profiles.own_profile(request.app[keys.KINDRED], user)
        context = {
            "form": form.model_dump(),
            "errors": {exc.field or "form": exc.message_in(translator_of(request))},
            "profile": profile,
            "avatars": await avatars.versions(request.app[keys.KINDRED], [user.username]),
        }
        return aiohttp_jinja2.render_template("profile.html", request, context, status=STATUS[exc.kind])
    raise redirect(request, "profile", flash=say(request, N_("Profile saved.")))


async def discover(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    interest = request.query.get("interest", "").strip()
    query = request.query.get("q", "").strip()
    pages = Pager.of(request)
    errors: dict[str, str] = {}
    found: list[suggestions.Suggestion] = []
    people: list[profiles.Profile] = []
    from_here: list[suggestions.Suggestion] = []
    try:
        if query:
            people = await profiles.search_people(ctx, user, query)
        else:
            # The ranking takes no offset: ask for every page up to this one
            # (and one more entry, to know whether a next page exists) and slice.
            ranked = await suggestions.suggest(ctx, user, interest or None, pages.offset + pages.limit)
            from_here = ranked[pages.offset :]
            found = pages.shown(from_here)
    except KindredError as exc:
        errors[exc.field or "form"] = exc.message_in(translator_of(request))
    mine = await profiles.own_profile(ctx, user)
    shown = [p.username for p in people] + [s.username for s in found]
    context = {
        "circles_for_you": await _circles_for(ctx, user, mine.interests) if not query and pages.number == 1 else [],
        "seen": await presence_views.of_usernames(ctx, shown),
        "suggestions": found,
        "people": people,
        "interest": interest,
        "q": query,
        "errors": errors,
        "my_interests": mine.interests,
        "avatars": await avatars.versions(ctx, shown),
        "pager": pages.links(from_here),
    }
    return aiohttp_jinja2.render_template("discover.html", request, context)


# Discover shows a few circles, not a list: /circles has the rest.
_CIRCLES_SHOWN = 3


async def _circles_for(ctx: Kindred, user: User, interests: list[str]) -> list[circles.CircleView]:
    """Open circles about the person's interests that they are not in, best first."""
    if not interests:
        return []
    ranked = await circles.list_circles(ctx, user)
    held = set(interests)
    return [v for v in ranked if v.my_state is None and v.circle.interest in held][:_CIRCLES_SHOWN]


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
        "avatars": await avatars.versions(ctx, [profile.username]),
    }
    return aiohttp_jinja2.render_template("user.html", request, context)
