"""Pages: blocking and reporting someone from their profile; your blocks."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_
from domain import blocks, reports
from domain.errors import KindredError
from web import keys
from web.bodies import parse_form
from web.i18n import say, translator_of
from web.pages import current_user, redirect
from web.schemas import ReasonForm


async def block_user(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    try:
        outcome = await blocks.block_user(request.app[keys.KINDRED], user, request.match_info["username"])
    except KindredError as exc:
        raise redirect(request, "discover", flash=exc.message_in(translator_of(request))) from None
    raise redirect(request, "blocks", flash=say(request, N_("You blocked %(name)s."), name=outcome.other.display_name))


async def report_user(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    username = request.match_info["username"]
    form = await parse_form(request, ReasonForm)
    try:
        await reports.report_user(request.app[keys.KINDRED], user, username, form.reason)
    except KindredError as exc:
        raise redirect(request, "user", flash=exc.message_in(translator_of(request)), username=username) from None
    raise redirect(
        request, "user", flash=say(request, N_("Thank you: the operators will look at your report.")), username=username
    )


async def blocks_page(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    found = await blocks.my_blocks(request.app[keys.KINDRED], user)
    return aiohttp_jinja2.render_template("blocks.html", request, {"blocked": found})


async def unblock_user(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    try:
        other = await blocks.unblock(request.app[keys.KINDRED], user, request.match_info["username"])
    except KindredError as exc:
        raise redirect(request, "blocks", flash=exc.message_in(translator_of(request))) from None
    raise redirect(request, "blocks", flash=say(request, N_("You unblocked %(name)s."), name=other.display_name))
