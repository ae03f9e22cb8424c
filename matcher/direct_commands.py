"""Commands in a person's direct room with the bot.

Each is a thin wrapper over the same domain call the web makes: parse the
arguments, call, say what happened. Rules live in ``domain``, not here.
"""

from __future__ import annotations

from domain import matches, profiles, requests, suggestions
from domain.errors import KindredError
from matcher.calls import Call
from matcher.replies import Reply

SUGGESTIONS = 5


def username_in(args: str, usage: str) -> tuple[str, str]:
    """The first word as a username ("bo", "@bo" or "@bo:server"), and the rest."""
    word, _, rest = args.strip().partition(" ")
    name = word.lstrip("@").split(":", 1)[0].lower()
    if not name:
        raise KindredError("field_required", f"Say whom: {usage}", "username")
    return name, rest.strip()


async def show_requests(call: Call) -> Reply:
    incoming = await requests.list_requests(call.ctx, call.person, "incoming", "pending")
    outgoing = await requests.list_requests(call.ctx, call.person, "outgoing", "pending")
    reply = Reply().bold("Waiting for your answer:")
    for r in incoming:
        reply.item().person(r.from_display_name, r.from_username)
        if r.note:
            reply.text(f" — “{r.note}”")
        reply.text(" — ").code(f"!accept {r.from_username}").text(" / ").code(f"!reject {r.from_username}")
    if not incoming:
        reply.item().text("none")
    reply.line().bold("Sent by you, waiting:")
    for r in outgoing:
        reply.item().person(r.to_display_name, r.to_username)
    if not outgoing:
        reply.item().text("none")
    return reply


async def accept(call: Call) -> Reply:
    name, _ = username_in(call.args, "!accept <username>")
    pending = await requests.find_pending_from(call.ctx, call.person, name)
    await requests.accept(call.ctx, call.person, pending.id)
    reply = Reply("You and ").person(pending.from_display_name, pending.from_username)
    return reply.text(" matched! I'm opening your private room and will tell you here when it is ready.")


async def reject(call: Call) -> Reply:
    name, _ = username_in(call.args, "!reject <username>")
    pending = await requests.find_pending_from(call.ctx, call.person, name)
    await requests.reject(call.ctx, call.person, pending.id)
    reply = Reply("Declined the request from ")
    return reply.person(pending.from_display_name, pending.from_username).text(".")


async def send_request(call: Call) -> Reply:
    name, note = username_in(call.args, "!request <username> [note]")
    outcome = await requests.send(call.ctx, call.person, name, note)
    sent = outcome.request
    if outcome.match is not None:
        reply = Reply("You had both asked: you and ").person(sent.from_display_name, sent.from_username)
        return reply.text(" matched! I'm opening your private room.")
    return Reply("Request sent to ").person(sent.to_display_name, sent.to_username).text(".")


async def suggest(call: Call) -> Reply:
    found = await suggestions.suggest(call.ctx, call.person, call.args or None, SUGGESTIONS)
    if not found:
        return Reply("No suggestions right now. Add interests with ").code("!interests add <a, b>").text(".")
    reply = Reply().bold("People you might like to meet:")
    for s in found:
        reply.item().person(s.display_name, s.username).text(" — you both like ")
        reply.interests(s.shared_interests).text(" — ").code(f"!request {s.username}")
    return reply


async def show_matches(call: Call) -> Reply:
    found = [m for m in await matches.list_matches(call.ctx, call.person) if m.status != "closed"]
    if not found:
        return Reply("No matches yet. ").code("!suggest").text(" finds people to ask.")
    reply = Reply().bold("Your matches:")
    for m in found:
        reply.item().person(m.other.display_name, m.other.username).text(" — ")
        if m.status == "ready" and m.room_url:
            reply.link(m.room_url, "open the room")
        else:
            reply.text("room being opened")
    return reply


async def interests(call: Call) -> Reply:
    action, _, names = call.args.partition(" ")
    if action.lower() in ("add", "remove") and not names.strip():
        raise KindredError("field_required", f"Say which: !interests {action.lower()} <a, b>", "interests")
    if action.lower() == "add":
        profile = await profiles.add_interests(call.ctx, call.person, names)
    elif action.lower() == "remove":
        profile = await profiles.remove_interests(call.ctx, call.person, names)
    elif not action:
        profile = await profiles.own_profile(call.ctx, call.person)
    else:
        raise KindredError("invalid_parameter", "Use !interests, !interests add <a, b> or !interests remove <a, b>.")
    reply = Reply("Your interests: ").interests(profile.interests).text(".")
    return (
        reply.line().text("Change them with ").code("!interests add <a, b>").text(" or ").code("!interests remove <a>")
    )
