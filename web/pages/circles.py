"""Pages: the circles (a list ranked for you, a filter and a search, a form
to start one) and a circle's own page (members paged, join and leave, and
the moderators' forms).

The same rules as the API's ``/api/v1/circles`` and the bot's commands
(domain/circles.py); a refused form is shown again with what was typed and
the error next to its field, a refused button comes back as a flash.
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_
from domain import avatars, circle_rules, circles, presence_views, profiles
from domain.errors import KindredError
from web import keys
from web.bodies import parse_form
from web.errors import STATUS
from web.i18n import say, translator_of
from web.pages import current_user, redirect
from web.schemas import Form


class CircleForm(Form):
    name: str = ""
    interest: str = ""
    description: str = ""


class CircleSettingsForm(Form):
    name: str = ""
    description: str = ""
    member_cap: str = ""


class MemberActionForm(Form):
    action: str = ""
    reason: str = ""
    # The form to lift a ban names the person (the others are by the member).
    username: str = ""


class CloseForm(Form):
    confirm: str = ""


# The deepest page asked for: a circle holds at most 10,000 members, 50 a
# page, so this reaches every one; deeper numbers read as the first page.
_DEEPEST = 200
# What each moderation button says once done, by its action.
_DONE = {
    "remove": N_("%(name)s is removed from the circle."),
    "ban": N_("%(name)s is banned from the circle."),
    "unban": N_("The ban on %(name)s is lifted."),
    "promote": N_("%(name)s has a new role."),
    "demote": N_("%(name)s has a new role."),
}


async def circles_page(request: web.Request) -> web.StreamResponse:
    return await _list(request)


async def create(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    form = await parse_form(request, CircleForm)
    try:
        made = await circles.create_circle(request.app[keys.KINDRED], user, form.name, form.interest, form.description)
    except KindredError as exc:
        errors = {exc.field or "form": exc.message_in(translator_of(request))}
        return await _list(request, form.model_dump(), errors, STATUS[exc.kind])
    raise redirect(request, "circle", flash=say(request, N_("Your circle is started.")), slug=made.circle.slug)


async def _list(
    request: web.Request,
    form: dict[str, str] | None = None,
    create_errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    interest = request.query.get("interest", "").strip()
    query = request.query.get("q", "").strip()
    number = _page(request)
    errors: dict[str, str] = {}
    found: list[circles.CircleView] = []
    try:
        found = await circles.list_circles(ctx, user, interest=interest or None, query=query, page=number)
    except KindredError as exc:
        errors[exc.field or "interest"] = exc.message_in(translator_of(request))
    mine = await profiles.own_profile(ctx, user)
    context = {
        "circles": found,
        "pager": _links(request, number, len(found) >= circle_rules.CIRCLES_PAGE),
        "interest": interest,
        "q": query,
        "errors": errors,
        "create_errors": create_errors or {},
        "form": form or {},
        "my_interests": mine.interests,
    }
    return aiohttp_jinja2.render_template("circles.html", request, context, status=status)


async def circle_page(request: web.Request) -> web.StreamResponse:
    return await _circle(request)


async def _circle(
    request: web.Request, form: dict[str, str] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> web.Response:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    slug = request.match_info["slug"]
    number = _page(request)
    try:
        detail = await circles.get_circle(ctx, user, slug)
        found = await circles.members(ctx, user, slug, page=number)
    except KindredError as exc:
        raise web.HTTPNotFound(text=exc.message_in(translator_of(request))) from None
    view, circle = detail.view, detail.view.circle
    people = {m.user_id: m.username for m in [*found, *detail.staff]}
    context: dict[str, Any] = {
        "view": view,
        "circle": circle,
        "my_role": view.my_role,
        "my_state": view.my_state,
        # Someone with a Matrix ID elsewhere joins by accepting an invite there.
        "invited_as": await circles.invited_as(ctx, user) if view.my_state == "joining" else None,
        "can_moderate": view.my_role is not None and circle_rules.is_staff(view.my_role),
        "team": detail.staff,
        "members": found,
        "pager": _links(request, number, number * circle_rules.MEMBERS_PAGE < view.member_count),
        "seen": await presence_views.of_ids(ctx, list(people)),
        "avatars": await avatars.versions(ctx, sorted(people.values())),
        "errors": errors or {},
        "form": form or {"name": circle.name, "description": circle.description, "member_cap": str(circle.member_cap)},
    }
    return aiohttp_jinja2.render_template("circle.html", request, context, status=status)


def _page(request: web.Request) -> int:
    """``?page=N``; anything else reads as the first page."""
    try:
        number = int(request.query.get("page", "1"))
    except ValueError:
        return 1
    return number if 1 <= number <= _DEEPEST else 1


def _links(request: web.Request, number: int, has_next: bool) -> dict[str, str | None]:
    def at(page: int) -> str:
        return str(request.rel_url.update_query(page=str(page)))

    return {
        "prev": at(number - 1) if number > 1 else None,
        "next": at(number + 1) if has_next and number < _DEEPEST else None,
    }


async def join(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    slug = request.match_info["slug"]
    try:
        view = await circles.join(request.app[keys.KINDRED], user, slug)
    except KindredError as exc:
        raise redirect(request, "circle", flash=exc.message_in(translator_of(request)), slug=slug) from None
    raise redirect(request, "circle", flash=say(request, N_("Welcome to %(name)s!"), name=view.circle.name), slug=slug)


async def leave(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    slug = request.match_info["slug"]
    try:
        view = await circles.leave(request.app[keys.KINDRED], user, slug)
    except KindredError as exc:
        raise redirect(request, "circle", flash=exc.message_in(translator_of(request)), slug=slug) from None
    raise redirect(request, "circle", flash=say(request, N_("You left %(name)s."), name=view.circle.name), slug=slug)


async def edit(request: web.Request) -> web.StreamResponse:
    """Name and description (moderators); the member cap is only in owners' forms."""
    user = current_user(request)
    slug = request.match_info["slug"]
    form = await parse_form(request, CircleSettingsForm)
    cap: object = None
    if form.member_cap.strip():
        # Not a whole number: passed on as text, for the rule's own error by the field.
        cap = int(form.member_cap) if form.member_cap.strip().isdigit() else form.member_cap
    try:
        await circles.update(
            request.app[keys.KINDRED], user, slug, name=form.name, description=form.description, member_cap=cap
        )
    except KindredError as exc:
        errors = {exc.field or "form": exc.message_in(translator_of(request))}
        return await _circle(request, form.model_dump(), errors, STATUS[exc.kind])
    raise redirect(request, "circle", flash=say(request, N_("Circle saved.")), slug=slug)


async def close(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    slug = request.match_info["slug"]
    form = await parse_form(request, CloseForm)
    if form.confirm != "yes":
        raise redirect(request, "circle", flash=say(request, N_("Tick the box to close the circle.")), slug=slug)
    try:
        view = await circles.close(request.app[keys.KINDRED], user, slug)
    except KindredError as exc:
        raise redirect(request, "circle", flash=exc.message_in(translator_of(request)), slug=slug) from None
    raise redirect(request, "circles", flash=say(request, N_("%(name)s is closed."), name=view.circle.name))


async def moderate(request: web.Request) -> web.StreamResponse:
    """The buttons by a member (and the form to lift a ban): ``action`` says which."""
    user = current_user(request)
    slug = request.match_info["slug"]
    form = await parse_form(request, MemberActionForm)
    username = request.match_info.get("username") or form.username.strip().lstrip("@")
    try:
        target = await circles.moderate(request.app[keys.KINDRED], user, slug, username, form.action, form.reason)
    except KindredError as exc:
        raise redirect(request, "circle", flash=exc.message_in(translator_of(request)), slug=slug) from None
    name = target.display_name if target is not None else username
    raise redirect(request, "circle", flash=say(request, _DONE[form.action], name=name), slug=slug)
