"""Pages: requests (send, answer, the history)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_
from domain import avatars, profiles, requests
from domain.errors import KindredError
from domain.matches import shared
from web import keys
from web.bodies import parse_form, path_id
from web.errors import STATUS
from web.i18n import say, translator_of
from web.pages import Pager, current_user, redirect
from web.schemas import SendRequestForm

_ACTIONS = {
    "accept": (requests.accept, N_("Accepted! Your chat room is being opened.")),
    "reject": (requests.reject, N_("Request declined.")),
    "withdraw": (requests.withdraw, N_("Request withdrawn.")),
}


async def requests_page(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    pages = Pager.of(request)
    incoming = await requests.list_requests(ctx, user, "incoming", "pending")
    outgoing = await requests.list_requests(ctx, user, "outgoing", "pending")
    history = await requests.history(ctx, user, pages.limit, pages.offset)
    shown = [r.from_username for r in incoming] + [r.to_username for r in outgoing]
    context = {
        "incoming": incoming,
        "outgoing": outgoing,
        "history": pages.shown(history),
        "avatars": await avatars.versions(ctx, shown),
        "pager": pages.links(history),
    }
    return aiohttp_jinja2.render_template("requests.html", request, context)


async def send_request(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    form = await parse_form(request, SendRequestForm)
    to, note = form.to, form.note
    try:
        outcome = await requests.send(ctx, user, to, note)
    except KindredError as exc:
        if exc.code == "user_not_found":
            raise
        try:
            # As the viewer: a blocked person gets the refusal, never the profile.
            profile = await profiles.public_profile(ctx, to, user)
        except KindredError:
            raise exc from None
        mine = await profiles.own_profile(ctx, user)
        context = {
            "profile": profile,
            "shared": shared(mine.interests, profile.interests),
            "is_me": profile.username == user.username,
            "errors": {exc.field if exc.field == "note" else "form": exc.message_in(translator_of(request))},
            "form": {"note": note},
            "avatars": await avatars.versions(ctx, [profile.username]),
        }
        return aiohttp_jinja2.render_template("user.html", request, context, status=STATUS[exc.kind])
    if outcome.match is not None:
        raise redirect(request, "matches", flash=say(request, N_("You asked each other: it's a match!")))
    raise redirect(
        request, "requests", flash=say(request, N_("Request sent to %(name)s."), name=outcome.request.to_display_name)
    )


async def answer_request(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    action = _ACTIONS.get(request.match_info["action"])
    if action is None:
        raise web.HTTPNotFound()
    request_id = path_id(request, "id", "request_not_found")
    call, message = action
    try:
        outcome = await call(request.app[keys.KINDRED], user, request_id)
    except KindredError as exc:
        raise redirect(request, "requests", flash=exc.message_in(translator_of(request))) from None
    target = "matches" if outcome.match is not None else "requests"
    raise redirect(request, target, flash=say(request, message))
