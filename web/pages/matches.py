"""Pages: your matches, closing one and blocking its other person (forms on the matches page)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_
from domain import avatars, blocks, matches
from domain.errors import KindredError
from web import keys
from web.bodies import path_id
from web.i18n import say, translator_of
from web.pages import Pager, current_user, redirect


async def matches_page(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    pages = Pager.of(request)
    found = await matches.list_matches(ctx, user, pages.limit, pages.offset)
    context = {
        "matches": pages.shown(found),
        "homeserver_url": ctx.links.homeserver_url,
        "avatars": await avatars.versions(ctx, [m.other.username for m in found]),
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
