"""Page: your account (Profile → Account): email address, password, your data, leaving."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_
from domain import credentials, digests, emails, exports, leaving
from domain.errors import KindredError
from web import keys, serializers
from web.auth import clear_session_cookies, issue_pair, set_session_cookies
from web.bodies import parse_form
from web.errors import STATUS
from web.i18n import say, translator_of
from web.pages import current_user, redirect
from web.schemas import DeleteAccountForm, DigestForm, EmailForm, PasswordForm, VerifyForm


async def _render(request: web.Request, errors: dict[str, str] | None = None, status: int = 200) -> web.Response:
    user = current_user(request)
    account = await emails.status(request.app[keys.KINDRED], user)
    digest = await digests.frequency(request.app[keys.KINDRED], user)
    context = {"account": account, "digest": digest, "errors": errors or {}, "form": {"email": account.pending or ""}}
    return aiohttp_jinja2.render_template("account.html", request, context, status=status)


async def account_page(request: web.Request) -> web.StreamResponse:
    return await _render(request)


async def change_email(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, EmailForm)
    try:
        await emails.request_change(request.app[keys.KINDRED], current_user(request), form.email)
    except KindredError as exc:
        return await _render(request, {exc.field or "email": exc.message_in(translator_of(request))}, STATUS[exc.kind])
    raise redirect(request, "account", flash=_mailed(request, form.email.strip()))


def _mailed(request: web.Request, email: str) -> str:
    return say(request, N_("We mailed a code to %(email)s: enter it below."), email=email)


async def verify_email(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, VerifyForm)
    ctx = request.app[keys.KINDRED]
    user = current_user(request)
    try:
        account = await emails.status(ctx, user)
        if account.pending is not None:
            await emails.confirm_change(ctx, user, form.code)
        else:
            await emails.verify(ctx, user.username, form.code)
    except KindredError as exc:
        return await _render(request, {"code": exc.message_in(translator_of(request))}, STATUS[exc.kind])
    raise redirect(request, "account", flash=say(request, N_("Email address confirmed.")))


async def resend_code(request: web.Request) -> web.StreamResponse:
    try:
        await emails.resend(request.app[keys.KINDRED], current_user(request).username)
    except KindredError as exc:
        return await _render(request, {"code": exc.message_in(translator_of(request))}, STATUS[exc.kind])
    raise redirect(request, "account", flash=say(request, N_("A new code is on its way.")))


async def change_password(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, PasswordForm)
    try:
        user = await credentials.change(
            request.app[keys.KINDRED], current_user(request), form.current_password, form.new_password
        )
    except KindredError as exc:
        return await _render(
            request, {exc.field or "new_password": exc.message_in(translator_of(request))}, STATUS[exc.kind]
        )
    flash = say(request, N_("Password changed, here and in your Matrix client. Other sessions are logged out."))
    response = redirect(request, "account", flash=flash)
    set_session_cookies(request, response, await issue_pair(request.app, user))
    raise response


async def choose_digest(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, DigestForm)
    try:
        chosen = await digests.choose(request.app[keys.KINDRED], current_user(request), form.frequency)
    except KindredError as exc:
        return await _render(request, {"frequency": exc.message_in(translator_of(request))}, STATUS[exc.kind])
    t = translator_of(request)
    flash = {
        "off": t.gettext("Digest mail is off."),
        "daily": t.gettext("You will get a daily digest when requests wait."),
        "weekly": t.gettext("You will get a weekly digest when requests wait."),
    }[chosen]
    raise redirect(request, "account", flash=flash)


async def unsubscribe(request: web.Request) -> web.StreamResponse:
    """The digest's one-click link: no login, the signature is the proof."""
    await digests.unsubscribe(request.app[keys.KINDRED], request.query.get("u", ""), request.query.get("sig", ""))
    return aiohttp_jinja2.render_template("unsubscribed.html", request, {})


async def export_data(request: web.Request) -> web.StreamResponse:
    data = await exports.export(request.app[keys.KINDRED], current_user(request))
    disposition = f'attachment; filename="{serializers.export_filename(data)}"'
    return web.json_response(serializers.account_export(data), headers={"Content-Disposition": disposition})


async def delete_account(request: web.Request) -> web.StreamResponse:
    form = await parse_form(request, DeleteAccountForm)
    try:
        await leaving.delete_account(request.app[keys.KINDRED], current_user(request), form.password)
    except KindredError as exc:
        return await _render(
            request, {exc.field or "password": exc.message_in(translator_of(request))}, STATUS[exc.kind]
        )
    response = redirect(request, "home", flash=say(request, N_("Your account is deleted.")))
    clear_session_cookies(response)
    raise response
