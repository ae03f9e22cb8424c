"""Every bot command, once: where it runs, how it is used, whether its answer
is private. Dispatch (``matcher.commands``) and ``!help`` both read this
table, and the README's command tables mirror it.

Command names are the same in every language; their help is translated
(the lines here are marked with ``N_`` and read in the person's language
when ``!help`` is answered)."""

from __future__ import annotations

from config.i18n import N_, Translator
from domain import addressing, matrix_id_links
from domain.errors import KindredError
from matcher import circle_commands as circle
from matcher import direct_commands as direct
from matcher import room_commands as room
from matcher import round_commands as rounds
from matcher.calls import Call, Place, Spec
from matcher.replies import Reply

_HEADINGS = {
    Place.DIRECT: N_("What I can do for you here:"),
    Place.MATCH: N_("Commands in a match room:"),
    Place.CIRCLE: N_("Commands in a circle (!kick, !ban, !unban, !mod and !unmod are for its owners and moderators):"),
}


def help_for(place: Place, t: Translator) -> Reply:
    reply = Reply().bold(t.gettext(_HEADINGS[place]))
    for spec in COMMANDS:
        if spec.listed(place):
            for usage, meaning in spec.usage_in(place):
                reply.item().code(t.gettext(usage)).text(" — ").text(t.gettext(meaning))
    return reply


async def show_help(call: Call) -> Reply:
    if call.role is not None and call.role.circle is not None:
        return help_for(Place.CIRCLE, call.t)
    return help_for(Place.MATCH if call.role is not None and call.role.match is not None else Place.DIRECT, call.t)


async def verify_link(call: Call) -> Reply:
    # The code comes back in the room the bot sent it to, which is nobody's
    # direct room yet: the sender is not on Kindred until it checks out.
    try:
        user = await matrix_id_links.verify_in_room(call.ctx, call.matrix_id, call.room_id, call.args)
    except KindredError as exc:
        return Reply(call.error(exc))
    # The sender had no account until now: the account's own language.
    t = addressing.for_person(user)
    return Reply().fill(
        t.gettext(
            "Verified! %(person)s on Kindred now uses this Matrix ID: your match rooms and my messages come here."
        ),
        person=Reply().person(user.display_name, user.username),
    )


async def report_here(call: Call) -> Reply:
    """A match room reports the other person; a circle's room names whom."""
    if call.role is not None and call.role.circle is not None:
        return await circle.report(call)
    return await room.report(call)


_ANY = Place.DIRECT | Place.MATCH | Place.CIRCLE

COMMANDS: tuple[Spec, ...] = (
    Spec("help", _ANY, show_help, (("!help", N_("this list")),)),
    Spec(
        "requests",
        Place.DIRECT,
        direct.show_requests,
        (("!requests", N_("requests waiting for you, and those you sent")),),
    ),
    Spec(
        "accept",
        Place.DIRECT,
        direct.accept,
        ((N_("!accept <username>"), N_("accept their request: you match and get a private room")),),
    ),
    Spec("reject", Place.DIRECT, direct.reject, ((N_("!reject <username>"), N_("decline their request")),)),
    Spec(
        "request",
        Place.DIRECT,
        direct.send_request,
        ((N_("!request <username> [note]"), N_("ask someone to connect, with an optional note")),),
    ),
    Spec(
        "suggest",
        Place.DIRECT,
        direct.suggest,
        ((N_("!suggest [interest]"), N_("people who share your interests (optionally one interest)")),),
    ),
    Spec("matches", Place.DIRECT, direct.show_matches, (("!matches", N_("your matches, with links to their rooms")),)),
    Spec(
        "interests",
        Place.DIRECT,
        direct.interests,
        (
            ("!interests", N_("your interests")),
            (N_("!interests add <a, b>"), N_("add interests (comma-separated)")),
            (N_("!interests remove <a, b>"), N_("remove interests")),
        ),
    ),
    Spec(
        "rounds",
        Place.DIRECT,
        rounds.rounds,
        (
            ("!rounds", N_("whether you're in rounds (regular introductions), and the next one's date")),
            (N_("!rounds on [cadence]"), N_("join rounds: weekly (unless you say), fortnightly or four_weekly")),
            (N_("!rounds pause <YYYY-MM-DD>"), N_("no introductions until that date")),
            ("!rounds resume", N_("end a pause (or a skip) early")),
            ("!rounds skip", N_("sit out the next round only")),
            ("!rounds off", N_("no more rounds")),
        ),
    ),
    Spec(
        "met",
        Place.DIRECT,
        rounds.met,
        (
            ("!met yes", N_("you met the people your last round introduced you to")),
            ("!met no", N_("you didn't meet them")),
        ),
    ),
    Spec(
        "circles",
        Place.DIRECT,
        circle.list_circles,
        ((N_("!circles [interest]"), N_("group chats about your interests (optionally one interest)")),),
    ),
    Spec("join", Place.DIRECT, circle.join, ((N_("!join <circle>"), N_("join a circle: its room opens for you")),)),
    Spec(
        "leave",
        Place.DIRECT | Place.CIRCLE,
        circle.leave,
        ((N_("!leave <circle>"), N_("leave a circle (in its room: !leave)")),),
    ),
    Spec("about", Place.CIRCLE, circle.about, (("!about", N_("what this circle is, its owners and moderators")),)),
    Spec("members", Place.CIRCLE, circle.members, (("!members", N_("who is in this circle")),)),
    Spec(
        "kick",
        Place.CIRCLE,
        circle.kick,
        ((N_("!kick <user> [reason]"), N_("remove someone; they may join again")),),
    ),
    Spec("ban", Place.CIRCLE, circle.ban, ((N_("!ban <user> [reason]"), N_("remove someone for good")),)),
    Spec("unban", Place.CIRCLE, circle.unban, ((N_("!unban <user>"), N_("let a banned person join again")),)),
    Spec("mod", Place.CIRCLE, circle.mod, ((N_("!mod <user>"), N_("make a member a moderator (owners)")),)),
    Spec("unmod", Place.CIRCLE, circle.unmod, ((N_("!unmod <user>"), N_("take a moderator's role away (owners)")),)),
    Spec(
        "verify",
        _ANY | Place.UNKNOWN,
        verify_link,
        ((N_("!verify <code>"), N_("prove a Matrix ID you are linking to Kindred")),),
        anyone=True,
        listed_in=Place.DIRECT,
    ),
    Spec("shared", Place.MATCH, room.shared, (("!shared", N_("the interests you two share")),)),
    Spec(
        "icebreaker",
        Place.MATCH,
        room.icebreaker,
        (("!icebreaker", N_("a conversation starter from your shared interests")),),
    ),
    Spec("unmatch", Place.MATCH, room.unmatch, (("!unmatch", N_("close this match; you both leave the room")),)),
    Spec(
        "block",
        Place.MATCH,
        room.block,
        (("!block", N_("unmatch, and never find or request each other again")),),
        private=True,
    ),
    Spec(
        "report",
        Place.MATCH | Place.CIRCLE,
        report_here,
        ((N_("!report <reason>"), N_("tell the operators (confirmed to you privately)")),),
        private=True,
        circle_usage=(
            (N_("!report <user> <reason>"), N_("tell the operators about someone (confirmed to you privately)")),
        ),
    ),
)

_BY_NAME = {spec.name: spec for spec in COMMANDS}


def find(name: str) -> Spec | None:
    return _BY_NAME.get(name)
