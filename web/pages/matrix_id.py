"""Page: your Matrix ID, and linking one from another homeserver."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_
from domain import matrix_id_links
from domain.errors import KindredError
from web import keys
from web.bodies import parse_form
from web.errors import STATUS
from web.i18n import say, translator_of
from web.pages import current_user, redirect
from web.schemas import LinkForm, VerifyForm


async def page(request: web.Request) -> web.StreamResponse:
    return await _render(request, {}, {})


async def link(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    form = await parse_form(request, LinkForm)
    try:
        found = await matrix_id_links.request_link(request.app[keys.KINDRED], user, form.matrix_user_id)
    except KindredError as exc:
        return await _render(request, form.model_dump(), _errors(request, exc), STATUS[exc.kind])
    assert found.pending is not None
    raise redirect(
        request,
        "matrix_id",
        flash=say(request, N_("Kindred's bot sent a code to %(matrix_id)s."), matrix_id=found.pending.matrix_user_id),
    )


async def verify(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    form = await parse_form(request, VerifyForm)
    try:
        found = await matrix_id_links.verify(request.app[keys.KINDRED], user, form.code)
    except KindredError as exc:
        return await _render(request, {}, _errors(request, exc), STATUS[exc.kind])
    raise redirect(
        request,
        "matrix_id",
        flash=say(request, N_("Linked: Kindred now uses %(matrix_id)s."), matrix_id=found.matrix_user_id),
    )


async def unlink(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    try:
        found = await matrix_id_links.unlink(request.app[keys.KINDRED], user)
    except KindredError as exc:
        return await _render(request, {}, _errors(request, exc), STATUS[exc.kind])
    raise redirect(
        request,
        "matrix_id",
        flash=say(request, N_("Unlinked: Kindred uses %(matrix_id)s again."), matrix_id=found.matrix_user_id),
    )


def _errors(request: web.Request, exc: KindredError) -> dict[str, str]:
    # By the field it concerns (the Matrix ID or the code), else above the forms.
    return {exc.field or "form": exc.message_in(translator_of(request))}


async def _render(
    request: web.Request, form: dict[str, str], errors: dict[str, str], status: int = 200
) -> web.Response:
    user = current_user(request)
    found = await matrix_id_links.status(request.app[keys.KINDRED], user)
    context = {"link": found, "form": form, "errors": errors}
    return aiohttp_jinja2.render_template("matrix_id.html", request, context, status=status)
