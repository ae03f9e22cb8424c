"""Pages: your matches, closing one, blocking its other person, and answering
a round's check-in (forms on the matches page)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_
from domain import avatars, blocks, checkins, circle_presence, matches
from domain.errors import KindredError
from web import keys
from web.bodies import parse_form, path_id
from web.i18n import say, translator_of
from web.pages import Pager, current_user, redirect
from web.schemas import CheckinForm


async def matches_page(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    pages = Pager.of(request)
    found = await matches.list_matches(ctx, user, pages.limit, pages.offset)
    shown = [m.id for m in pages.shown(found)]
    context = {
        "matches": pages.shown(found),
        "awaiting": await checkins.awaiting(ctx, user, shown),
        "answered": await checkins.answers_of(ctx, user, shown),
        "homeserver_url": ctx.links.homeserver_url,
        "avatars": await avatars.versions(ctx, [m.other.username for m in found]),
        "seen": await circle_presence.seen(ctx, [p for m in pages.shown(found) for p in (m.other, *m.also)]),
        "pager": pages.links(found),
    }
    return aiohttp_jinja2.render_template("matches.html", request, context)


async def close_match(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    match_id = path_id(request, "id", "match_not_found")
    try:
        view = await matches.close_match(request.app[keys.KINDRED], user, match_id)
    except KindredError as exc:
        raise redirect(request, "matches", flash=exc.message_in(translator_of(request))) from None
    raise redirect(
        request, "matches", flash=say(request, N_("Your match with %(name)s is closed."), name=view.other.display_name)
    )


async def block_match(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    match_id = path_id(request, "id", "match_not_found")
    try:
        outcome = await blocks.block_match(request.app[keys.KINDRED], user, match_id)
    except KindredError as exc:
        raise redirect(request, "matches", flash=exc.message_in(translator_of(request))) from None
    raise redirect(request, "matches", flash=say(request, N_("You blocked %(name)s."), name=outcome.other.display_name))


async def checkin_match(request: web.Request) -> web.StreamResponse:
    """The two buttons under "Did you meet?": ``met`` is yes or no."""
    user = current_user(request)
    match_id = path_id(request, "id", "match_not_found")
    form = await parse_form(request, CheckinForm)
    if form.met not in ("yes", "no"):
        raise redirect(request, "matches", flash=say(request, N_("Choose whether you met.")))
    try:
        await checkins.answer(request.app[keys.KINDRED], user, match_id, form.met == "yes")
    except KindredError as exc:
        raise redirect(request, "matches", flash=exc.message_in(translator_of(request))) from None
    flash = N_("Thank you! Noted that you met.") if form.met == "yes" else N_("Thank you for telling us. Noted.")
    raise redirect(request, "matches", flash=say(request, flash))
