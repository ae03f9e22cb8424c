"""Circle commands: finding, joining and leaving circles from a direct room,
and inside a circle's room what it is, who is in it and, for its owners and
moderators, removing, banning and promoting people.

Thin wrappers over ``domain.circles``: the same rules as the web and the
API, whose refusals come back in the reader's language.
"""

from __future__ import annotations

from config.i18n import N_
from domain import accounts, circle_rules, circles, reports
from domain.circle_views import CircleView
from domain.errors import KindredError
from matcher.calls import Call
from matcher.replies import Reply

SHOWN = 10
_ROLES = {circle_rules.OWNER: N_("owner"), circle_rules.MODERATOR: N_("moderator"), circle_rules.MEMBER: N_("member")}


def _circle_url(call: Call, slug: str) -> str:
    return f"{call.ctx.links.web_url.rstrip('/')}/circles/{slug}"


def _slug(call: Call, usage: str) -> str:
    """The circle a command is about: in a circle's room that one, else the one named."""
    if call.role is not None and call.role.circle is not None:
        return call.role.circle.slug
    named = call.args.strip().split(" ", 1)[0].lower()
    if named:
        return named
    raise KindredError("field_required", N_("Say which circle: %(usage)s"), "circle", params={"usage": usage})


def _target(call: Call, usage: str) -> tuple[str, str]:
    """Whom a moderator command is about (a Matrix ID or a username), and the reason after it."""
    word, _, rest = call.args.strip().partition(" ")
    if not word:
        raise KindredError("field_required", N_("Say whom: %(usage)s"), "username", params={"usage": usage})
    # "@bo:server" is a Matrix ID; "@bo" or "bo" a username on Kindred.
    target = word if word.startswith("@") and ":" in word else word.lstrip("@").lower()
    return target, rest.strip()


def _counts(call: Call, view: CircleView) -> str:
    return (
        call.t.ngettext("%(num)d member", "%(num)d members", view.member_count) % {"num": view.member_count}
        + ", "
        + call.t.gettext("%(online)d online") % {"online": view.online_count}
    )


async def list_circles(call: Call) -> Reply:
    """``!circles [interest]``: open circles, those for your interests first."""
    _ = call.t.gettext
    interest = call.args.strip() or None
    found = await circles.list_circles(call.ctx, call.person, interest=interest)
    reply = Reply().bold(_("Circles for %(interest)s:") % {"interest": interest} if interest else _("Circles:"))
    for view in found[:SHOWN]:
        reply.item().link(_circle_url(call, view.circle.slug), view.circle.name).text(" — ").text(_counts(call, view))
        if view.my_role is None:
            reply.text(" — ").code(f"!join {view.circle.slug}")
    if not found:
        reply.item().text(_("none yet: start one on the web"))
    return reply


async def join(call: Call) -> Reply:
    """``!join <circle>``: take a place; the homeserver puts you in the room."""
    view = await circles.join(call.ctx, call.person, _slug(call, call.t.gettext("!join <circle>")))
    if await circles.invited_as(call.ctx, call.person) is None:
        said = call.t.gettext("You're in %(circle)s. Its room is in Kindred's space in your Matrix client: %(room)s")
    elif view.my_state == "joining":
        # An ID on another homeserver is invited, to the room only (not the Space).
        said = call.t.gettext("You're in %(circle)s. Accept the invite to its room in your Matrix client: %(room)s")
    else:
        said = call.t.gettext("You're in %(circle)s. Its room: %(room)s")
    return Reply().fill(
        said,
        circle=Reply().bold(view.circle.name),
        room=Reply().link(view.room_url, view.room_url) if view.room_url else Reply(call.t.gettext("being made")),
    )


async def leave(call: Call) -> Reply:
    """``!leave <circle>`` (or ``!leave`` in its room)."""
    view = await circles.leave(call.ctx, call.person, _slug(call, call.t.gettext("!leave <circle>")))
    return Reply().fill(call.t.gettext("You left %(circle)s."), circle=Reply().bold(view.circle.name))


async def about(call: Call) -> Reply:
    """``!about``: the circle, its owners and moderators."""
    _ = call.t.gettext
    detail = await circles.get_circle(call.ctx, call.person, _slug(call, "!about"))
    circle = detail.view.circle
    reply = Reply().bold(circle.name).text(" — ").text(_counts(call, detail.view))
    if circle.description:
        reply.line().text(circle.description)
    for member in detail.staff:
        reply.item().person(member.display_name, member.username).text(f" ({_(_ROLES[member.role])})")
    reply.line().link(_circle_url(call, circle.slug), _circle_url(call, circle.slug))
    return reply


async def members(call: Call) -> Reply:
    """``!members``: the first page of members, owners and moderators first."""
    _ = call.t.gettext
    slug = _slug(call, "!members")
    found = await circles.members(call.ctx, call.person, slug)
    reply = Reply().bold(_("Members:"))
    for member in found:
        reply.item().person(member.display_name, member.username)
        if member.role != circle_rules.MEMBER:
            reply.text(f" ({_(_ROLES[member.role])})")
    reply.line().text(_("All of them: %(url)s") % {"url": _circle_url(call, slug)})
    return reply


async def _moderate(call: Call, action: str, usage: str) -> tuple[Reply, str | None]:
    """Do ``action`` to the person named; them (as a reply part) and their role after."""
    target, reason = _target(call, usage)
    slug = _slug(call, usage)
    member = await circles.moderate(call.ctx, call.person, slug, target, action, reason)
    if member is None:
        return Reply(target), None
    return Reply().person(member.display_name, member.username), member.role


async def kick(call: Call) -> Reply:
    person, _ = await _moderate(call, circle_rules.REMOVE, call.t.gettext("!kick <user> [reason]"))
    return Reply().fill(call.t.gettext("%(person)s was removed from the circle."), person=person)


async def ban(call: Call) -> Reply:
    person, _ = await _moderate(call, circle_rules.BAN, call.t.gettext("!ban <user> [reason]"))
    return Reply().fill(call.t.gettext("%(person)s is banned from the circle."), person=person)


async def unban(call: Call) -> Reply:
    person, _ = await _moderate(call, circle_rules.UNBAN, call.t.gettext("!unban <user>"))
    return Reply().fill(call.t.gettext("%(person)s may join the circle again."), person=person)


async def mod(call: Call) -> Reply:
    person, role = await _moderate(call, circle_rules.PROMOTE, call.t.gettext("!mod <user>"))
    return _role_is(call, person, role)


async def unmod(call: Call) -> Reply:
    person, role = await _moderate(call, circle_rules.DEMOTE, call.t.gettext("!unmod <user>"))
    return _role_is(call, person, role)


def _role_is(call: Call, person: Reply, role: str | None) -> Reply:
    shown = call.t.gettext(_ROLES.get(role or circle_rules.MEMBER, _ROLES[circle_rules.MEMBER]))
    return Reply().fill(call.t.gettext("%(person)s is now: %(role)s."), person=person, role=shown)


async def report(call: Call) -> Reply:
    """``!report <user> <reason>``: tell the operators; answered privately."""
    usage = call.t.gettext("!report <user> <reason>")
    target, why = _target(call, usage)
    if not why:
        raise KindredError("report_reason_invalid", field="reason")
    if target.startswith("@"):
        person = await accounts.by_matrix_id(call.ctx, target)
        if person is None:
            raise KindredError("user_not_found")
        target = person.username
    # The operators read where it happened beside the reason.
    stored = await reports.report_user(call.ctx, call.person, target, f"{why}\n(in circle {_slug(call, usage)})")
    return Reply().fill(
        call.t.gettext("Thank you. Your report (#%(number)s) is stored for the operators; %(person)s is not told."),
        number=str(stored.id),
        person=Reply().code(target),
    )
