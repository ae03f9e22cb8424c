"""Pages: home, signup, email codes, login, logout, forgotten passwords."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_
from domain import accounts, credentials, emails, languages, sessions
from domain.errors import KindredError
from web import keys
from web.auth import REFRESH_COOKIE, clear_session_cookies, issue_pair, set_session_cookies
from web.bodies import parse_form
from web.errors import STATUS
from web.i18n import browser_language, say, translator_of
from web.next_url import safe_next
from web.pages import redirect
from web.ratelimit import enforce
from web.schemas import ForgotForm, LoginForm, ResetForm, SignupForm, VerifyEmailForm


async def home(request: web.Request) -> web.StreamResponse:
    if request.get(keys.USER) is not None:
        raise redirect(request, "discover")
    return aiohttp_jinja2.render_template("home.html", request, {})


async def signup_form(request: web.Request) -> web.StreamResponse:
    return aiohttp_jinja2.render_template("signup.html", request, {"form": {}, "errors": {}})


async def signup_submit(request: web.Request) -> web.StreamResponse:
    await enforce(request.app[keys.LIMITS].signup, request)
    form = await parse_form(request, SignupForm)
    try:
        user = await accounts.signup(
            request.app[keys.KINDRED],
            form.username,
            form.password,
            form.display_name,
            form.matrix_user_id.strip() or None,
            form.email.strip() or None,
            browser_language(request),
        )
    except KindredError as exc:
        return _form_error(request, "signup.html", form.model_dump(), exc)
    t = translator_of(request)
    if user.status == "unverified":
        # require_email: no account until the code comes back.
        flash = t.gettext("We mailed a code to %(email)s: enter it below.") % {"email": user.email}
        raise redirect(request, "verify_email", flash=flash, query={"username": user.username})
    if user.matrix_user_id is None:
        flash = t.gettext("Welcome, %(name)s! Enter the code Kindred's bot sent to your Matrix ID.")
    else:
        flash = t.gettext("Welcome, %(name)s! Add your interests.")
    flash %= {"name": user.display_name}
    if user.email is not None:
        mailed = t.gettext("We mailed a code to %(email)s: enter it under Account to confirm the address.")
        flash += " " + mailed % {"email": user.email}
    response = redirect(request, "matrix_id" if user.matrix_user_id is None else "profile", flash=flash)
    set_session_cookies(request, response, await issue_pair(request.app, user))
    raise response


async def verify_email_form(request: web.Request) -> web.StreamResponse:
    context = {"form": {"username": request.query.get("username", "")[:64]}, "errors": {}}
    return aiohttp_jinja2.render_template("verify_email.html", request, context)


async def verify_email_submit(request: web.Request) -> web.StreamResponse:
    await enforce(request.app[keys.LIMITS].login, request)
    form = await parse_form(request, VerifyEmailForm)
    ctx = request.app[keys.KINDRED]
    values = {"username": form.username}
    try:
        if form.action == "resend":
            await emails.resend(ctx, form.username)
            context = {"form": values, "errors": {}, "sent": True}
            return aiohttp_jinja2.render_template("verify_email.html", request, context)
        user = await accounts.verify_email(ctx, form.username, form.code)
    except KindredError as exc:
        return _form_error(request, "verify_email.html", values, exc)
    response = redirect(request, "profile", flash=_confirmed(request, user.display_name))
    set_session_cookies(request, response, await issue_pair(request.app, user))
    raise response


def _confirmed(request: web.Request, name: str) -> str:
    return say(request, N_("Email confirmed. Welcome, %(name)s!"), name=name)


async def forgot_form(request: web.Request) -> web.StreamResponse:
    return aiohttp_jinja2.render_template("forgot.html", request, {"form": {}, "errors": {}})


async def forgot_submit(request: web.Request) -> web.StreamResponse:
    await enforce(request.app[keys.LIMITS].login, request)
    form = await parse_form(request, ForgotForm)
    if not form.who.strip():
        exc = KindredError("field_required", N_("Enter your username or email address."), "who")
        return _form_error(request, "forgot.html", {}, exc)
    await credentials.forgot(request.app[keys.KINDRED], form.who)
    context = {"form": {"who": form.who}, "errors": {}, "sent": True}
    return aiohttp_jinja2.render_template("forgot.html", request, context)


async def reset_form(request: web.Request) -> web.StreamResponse:
    context = {"form": {"token": request.query.get("token", "")[:128]}, "errors": {}}
    return aiohttp_jinja2.render_template("reset.html", request, context)


async def reset_submit(request: web.Request) -> web.StreamResponse:
    await enforce(request.app[keys.LIMITS].login, request)
    form = await parse_form(request, ResetForm)
    try:
        await credentials.reset(request.app[keys.KINDRED], form.token, form.new_password)
    except KindredError as exc:
        return _form_error(request, "reset.html", {"token": form.token}, exc)
    flash = say(request, N_("Your password is changed, here and in your Matrix client. Log in with it."))
    raise redirect(request, "login", flash=flash)


async def login_form(request: web.Request) -> web.StreamResponse:
    context = {"form": {}, "errors": {}, "next": safe_next(request.query.get("next")) or ""}
    return aiohttp_jinja2.render_template("login.html", request, context)


async def login_submit(request: web.Request) -> web.StreamResponse:
    await enforce(request.app[keys.LIMITS].login, request)
    form = await parse_form(request, LoginForm)
    try:
        user = await accounts.authenticate(request.app[keys.KINDRED], form.username, form.password)
    except KindredError as exc:
        values = {"username": form.username, "next": form.next}
        unverified = form.username.strip().lower() if exc.code == "email_unverified" else ""
        return _form_error(request, "login.html", values, exc, next=form.next, unverified=unverified)
    await languages.note_browser(request.app[keys.KINDRED], user, browser_language(request))
    target = safe_next(form.next)
    response = web.HTTPSeeOther(target) if target else redirect(request, "discover")
    set_session_cookies(request, response, await issue_pair(request.app, user))
    raise response


async def logout_form(request: web.Request) -> web.StreamResponse:
    # Logging out changes state, so it is a POST; this page offers the button.
    return aiohttp_jinja2.render_template("logout.html", request, {})


async def logout(request: web.Request) -> web.StreamResponse:
    await sessions.end(request.app[keys.KINDRED], request.cookies.get(REFRESH_COOKIE))
    response = redirect(request, "home", flash=say(request, N_("You are logged out.")))
    clear_session_cookies(response)
    raise response


def _form_error(
    request: web.Request, template: str, values: dict[str, str], exc: KindredError, **extra: str
) -> web.Response:
    """Re-show the form with what was typed (never the password) and the error by its field."""
    values = {k: v for k, v in values.items() if "password" not in k}
    errors = {exc.field or "form": exc.message_in(translator_of(request))}
    context = {"form": values, "errors": errors, **extra}
    return aiohttp_jinja2.render_template(template, request, context, status=STATUS[exc.kind])
