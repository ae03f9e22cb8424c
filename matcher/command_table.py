"""Every bot command, once: where it runs, how it is used, whether its answer
is private. Dispatch (``matcher.commands``) and ``!help`` both read this
table, and the README's command tables mirror it."""

from __future__ import annotations

from domain import matrix_id_links
from domain.errors import KindredError
from matcher import direct_commands as direct
from matcher import room_commands as room
from matcher import round_commands as rounds
from matcher.calls import Call, Place, Spec
from matcher.replies import Reply

_HEADINGS = {Place.DIRECT: "What I can do for you here:", Place.MATCH: "Commands in a match room:"}


def help_for(place: Place) -> Reply:
    reply = Reply().bold(_HEADINGS[place])
    for spec in COMMANDS:
        if spec.listed(place):
            for usage, meaning in spec.usage:
                reply.item().code(usage).text(f" — {meaning}")
    return reply


async def show_help(call: Call) -> Reply:
    return help_for(Place.MATCH if call.role is not None and call.role.match is not None else Place.DIRECT)


async def verify_link(call: Call) -> Reply:
    # The code comes back in the room the bot sent it to, which is nobody's
    # direct room yet: the sender is not on Kindred until it checks out.
    try:
        user = await matrix_id_links.verify_in_room(call.ctx, call.matrix_id, call.room_id, call.args)
    except KindredError as exc:
        return Reply(exc.message)
    reply = Reply("Verified! ").person(user.display_name, user.username)
    return reply.text(" on Kindred now uses this Matrix ID: your match rooms and my messages come here.")


_ANY = Place.DIRECT | Place.MATCH

COMMANDS: tuple[Spec, ...] = (
    Spec("help", _ANY, show_help, (("!help", "this list"),)),
    Spec(
        "requests", Place.DIRECT, direct.show_requests, (("!requests", "requests waiting for you, and those you sent"),)
    ),
    Spec(
        "accept",
        Place.DIRECT,
        direct.accept,
        (("!accept <username>", "accept their request: you match and get a private room"),),
    ),
    Spec("reject", Place.DIRECT, direct.reject, (("!reject <username>", "decline their request"),)),
    Spec(
        "request",
        Place.DIRECT,
        direct.send_request,
        (("!request <username> [note]", "ask someone to connect, with an optional note"),),
    ),
    Spec(
        "suggest",
        Place.DIRECT,
        direct.suggest,
        (("!suggest [interest]", "people who share your interests (optionally one interest)"),),
    ),
    Spec("matches", Place.DIRECT, direct.show_matches, (("!matches", "your matches, with links to their rooms"),)),
    Spec(
        "interests",
        Place.DIRECT,
        direct.interests,
        (
            ("!interests", "your interests"),
            ("!interests add <a, b>", "add interests (comma-separated)"),
            ("!interests remove <a, b>", "remove interests"),
        ),
    ),
    Spec(
        "rounds",
        Place.DIRECT,
        rounds.rounds,
        (
            ("!rounds", "whether you're in rounds (regular introductions), and the next one's date"),
            ("!rounds on [cadence]", "join rounds: weekly (unless you say), fortnightly or four_weekly"),
            ("!rounds pause <YYYY-MM-DD>", "no introductions until that date"),
            ("!rounds resume", "end a pause (or a skip) early"),
            ("!rounds skip", "sit out the next round only"),
            ("!rounds off", "no more rounds"),
        ),
    ),
    Spec(
        "met",
        Place.DIRECT,
        rounds.met,
        (
            ("!met yes", "you met the people your last round introduced you to"),
            ("!met no", "you didn't meet them"),
        ),
    ),
    Spec(
        "verify",
        _ANY | Place.UNKNOWN,
        verify_link,
        (("!verify <code>", "prove a Matrix ID you are linking to Kindred"),),
        anyone=True,
        listed_in=Place.DIRECT,
    ),
    Spec("shared", Place.MATCH, room.shared, (("!shared", "the interests you two share"),)),
    Spec(
        "icebreaker",
        Place.MATCH,
        room.icebreaker,
        (("!icebreaker", "a conversation starter from your shared interests"),),
    ),
    Spec("unmatch", Place.MATCH, room.unmatch, (("!unmatch", "close this match; you both leave the room"),)),
    Spec(
        "block",
        Place.MATCH,
        room.block,
        (("!block", "unmatch, and never find or request each other again"),),
        private=True,
    ),
    Spec(
        "report",
        Place.MATCH,
        room.report,
        (("!report <reason>", "tell the operators (confirmed to you privately)"),),
        private=True,
    ),
)

_BY_NAME = {spec.name: spec for spec in COMMANDS}


def find(name: str) -> Spec | None:
    return _BY_NAME.get(name)
