"""Commands in a person's direct room with the bot.

Each is a thin wrapper over the same domain call the web makes: parse the
arguments, call, say what happened. Rules live in ``domain``, not here.
"""

from __future__ import annotations

from config.i18n import N_
from domain import matches, profiles, requests, suggestions
from domain.errors import KindredError
from matcher.calls import Call
from matcher.replies import Reply

SUGGESTIONS = 5


def username_in(call: Call, usage: str) -> tuple[str, str]:
    """The first word as a username ("bo", "@bo" or "@bo:server"), and the rest."""
    word, _, rest = call.args.strip().partition(" ")
    name = word.lstrip("@").split(":", 1)[0].lower()
    if not name:
        raise KindredError("field_required", N_("Say whom: %(usage)s"), "username", params={"usage": usage})
    return name, rest.strip()


async def show_requests(call: Call) -> Reply:
    _ = call.t.gettext
    incoming = await requests.list_requests(call.ctx, call.person, "incoming", "pending")
    outgoing = await requests.list_requests(call.ctx, call.person, "outgoing", "pending")
    reply = Reply().bold(_("Waiting for your answer:"))
    for r in incoming:
        reply.item().person(r.from_display_name, r.from_username)
        if r.note:
            reply.text(f" — “{r.note}”")
        reply.text(" — ").code(f"!accept {r.from_username}").text(" / ").code(f"!reject {r.from_username}")
    if not incoming:
        reply.item().text(_("none"))
    reply.line().bold(_("Sent by you, waiting:"))
    for r in outgoing:
        reply.item().person(r.to_display_name, r.to_username)
    if not outgoing:
        reply.item().text(_("none"))
    return reply


async def accept(call: Call) -> Reply:
    name, _ = username_in(call, call.t.gettext("!accept <username>"))
    pending = await requests.find_pending_from(call.ctx, call.person, name)
    await requests.accept(call.ctx, call.person, pending.id)
    return Reply().fill(
        call.t.gettext(
            "You and %(person)s matched! I'm opening your private room and will tell you here when it is ready."
        ),
        person=Reply().person(pending.from_display_name, pending.from_username),
    )


async def reject(call: Call) -> Reply:
    name, _ = username_in(call, call.t.gettext("!reject <username>"))
    pending = await requests.find_pending_from(call.ctx, call.person, name)
    await requests.reject(call.ctx, call.person, pending.id)
    return Reply().fill(
        call.t.gettext("Declined the request from %(person)s."),
        person=Reply().person(pending.from_display_name, pending.from_username),
    )


async def send_request(call: Call) -> Reply:
    name, note = username_in(call, call.t.gettext("!request <username> [note]"))
    outcome = await requests.send(call.ctx, call.person, name, note)
    sent = outcome.request
    if outcome.match is not None:
        return Reply().fill(
            call.t.gettext("You had both asked: you and %(person)s matched! I'm opening your private room."),
            person=Reply().person(sent.from_display_name, sent.from_username),
        )
    return Reply().fill(
        call.t.gettext("Request sent to %(person)s."), person=Reply().person(sent.to_display_name, sent.to_username)
    )


async def suggest(call: Call) -> Reply:
    _ = call.t.gettext
    found = await suggestions.suggest(call.ctx, call.person, call.args or None, SUGGESTIONS)
    if not found:
        return Reply().fill(
            _("No suggestions right now. Add interests with %(command)s."),
            command=Reply().code(_("!interests add <a, b>")),
        )
    reply = Reply().bold(_("People you might like to meet:"))
    for s in found:
        reply.item().fill(
            _("%(person)s — you both like %(interests)s — %(command)s"),
            person=Reply().person(s.display_name, s.username),
            interests=Reply().interests(s.shared_interests, _("nothing in common yet")),
            command=Reply().code(f"!request {s.username}"),
        )
    return reply


async def show_matches(call: Call) -> Reply:
    _ = call.t.gettext
    found = [m for m in await matches.list_matches(call.ctx, call.person) if m.status != "closed"]
    if not found:
        return Reply().fill(_("No matches yet. %(command)s finds people to ask."), command=Reply().code("!suggest"))
    reply = Reply().bold(_("Your matches:"))
    for m in found:
        reply.item().person(m.other.display_name, m.other.username).text(" — ")
        if m.status == "ready" and m.room_url:
            reply.link(m.room_url, _("open the room"))
        else:
            reply.text(_("room being opened"))
    return reply


async def interests(call: Call) -> Reply:
    _ = call.t.gettext
    action, _space, names = call.args.partition(" ")
    if action.lower() in ("add", "remove") and not names.strip():
        usage = f"!interests {action.lower()} " + _("<a, b>")
        raise KindredError("field_required", N_("Say which: %(usage)s"), "interests", params={"usage": usage})
    if action.lower() == "add":
        profile = await profiles.add_interests(call.ctx, call.person, names)
    elif action.lower() == "remove":
        profile = await profiles.remove_interests(call.ctx, call.person, names)
    elif not action:
        profile = await profiles.own_profile(call.ctx, call.person)
    else:
        usages = {"list": "!interests", "add": _("!interests add <a, b>"), "remove": _("!interests remove <a, b>")}
        raise KindredError("invalid_parameter", N_("Use %(list)s, %(add)s or %(remove)s."), params=usages)
    reply = Reply().fill(
        _("Your interests: %(interests)s."), interests=Reply().interests(profile.interests, _("nothing yet"))
    )
    return reply.line().fill(
        _("Change them with %(add)s or %(remove)s"),
        add=Reply().code(_("!interests add <a, b>")),
        remove=Reply().code(_("!interests remove <a>")),
    )
