"""Pages: home, signup, login, logout."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from domain import accounts, sessions
from domain.errors import KindredError
from web import keys
from web.auth import REFRESH_COOKIE, clear_session_cookies, issue_pair, set_session_cookies
from web.bodies import parse_form
from web.errors import STATUS
from web.next_url import safe_next
from web.pages import redirect
from web.ratelimit import enforce
from web.schemas import LoginForm, SignupForm


async def home(request: web.Request) -> web.StreamResponse:
    if request.get(keys.USER) is not None:
        raise redirect(request, "discover")
    return aiohttp_jinja2.render_template("home.html", request, {})


async def signup_form(request: web.Request) -> web.StreamResponse:
    return aiohttp_jinja2.render_template("signup.html", request, {"form": {}, "errors": {}})


async def signup_submit(request: web.Request) -> web.StreamResponse:
    enforce(request.app[keys.LIMITS].signup, request)
    form = await parse_form(request, SignupForm)
    try:
        user = await accounts.signup(
            request.app[keys.KINDRED],
            form.username,
            form.password,
            form.display_name,
            form.matrix_user_id.strip() or None,
        )
    except KindredError as exc:
        return _form_error(request, "signup.html", form.model_dump(), exc)
    if user.matrix_user_id is None:
        flash = f"Welcome, {user.display_name}! Enter the code Kindred's bot sent to your Matrix ID."
        response = redirect(request, "matrix_id", flash=flash)
    else:
        response = redirect(request, "profile", flash=f"Welcome, {user.display_name}! Add your interests.")
    set_session_cookies(request, response, await issue_pair(request.app, user.id))
    raise response


async def login_form(request: web.Request) -> web.StreamResponse:
    context = {"form": {}, "errors": {}, "next": safe_next(request.query.get("next")) or ""}
    return aiohttp_jinja2.render_template("login.html", request, context)


async def login_submit(request: web.Request) -> web.StreamResponse:
    enforce(request.app[keys.LIMITS].login, request)
    form = await parse_form(request, LoginForm)
    try:
        user = await accounts.authenticate(request.app[keys.KINDRED], form.username, form.password)
    except KindredError as exc:
        values = {"username": form.username, "next": form.next}
        return _form_error(request, "login.html", values, exc, next=form.next)
    target = safe_next(form.next)
    response = web.HTTPSeeOther(target) if target else redirect(request, "discover")
    set_session_cookies(request, response, await issue_pair(request.app, user.id))
    raise response


async def logout_form(request: web.Request) -> web.StreamResponse:
    # Logging out changes state, so it is a POST; this page offers the button.
    return aiohttp_jinja2.render_template("logout.html", request, {})


async def logout(request: web.Request) -> web.StreamResponse:
    await sessions.end(request.app[keys.KINDRED], request.cookies.get(REFRESH_COOKIE))
    response = redirect(request, "home", flash="You are logged out.")
    clear_session_cookies(response)
    raise response


def _form_error(
    request: web.Request, template: str, values: dict[str, str], exc: KindredError, **extra: str
) -> web.Response:
    """Re-show the form with what was typed (never the password) and the error by its field."""
    values = {k: v for k, v in values.items() if k != "password"}
    errors = {exc.field or "form": exc.message}
    context = {"form": values, "errors": errors, **extra}
    return aiohttp_jinja2.render_template(template, request, context, status=STATUS[exc.kind])
