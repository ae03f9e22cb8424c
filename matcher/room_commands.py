"""Commands in a match's room, for the two people matched there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from domain import blocks, matches, reports
from domain.context import Kindred
from matcher.help import room_help
from matcher.icebreakers import Icebreakers
from matcher.replies import Reply
from store.matches import Match
from store.users import User


@dataclass(frozen=True)
class RoomCall:
    ctx: Kindred
    sender: User
    match: Match
    args: str
    icebreakers: Icebreakers


@dataclass(frozen=True)
class Said:
    """What to answer, and whether only the sender should see it (in their direct room)."""

    reply: Reply | None
    private: bool = False


RoomHandler = Callable[[RoomCall], Awaitable[Said]]


async def show_help(call: RoomCall) -> Said:
    return Said(room_help())


async def shared(call: RoomCall) -> Said:
    names = await matches.shared_between(call.ctx, call.match.user_low, call.match.user_high)
    reply = Reply("You both like: ").interests(names, "nothing in common on paper — a chance to ask!")
    return Said(reply.text("."))


async def icebreaker(call: RoomCall) -> Said:
    names = await matches.shared_between(call.ctx, call.match.user_low, call.match.user_high)
    assert call.match.room_id
    return Said(Reply("Icebreaker: ").bold(call.icebreakers.pick(call.match.room_id, names)))


async def unmatch(call: RoomCall) -> Said:
    # The room hears about it from the match.closed event, as for a close on the web.
    await matches.close_match(call.ctx, call.sender, call.match.id)
    return Said(None)


async def block(call: RoomCall) -> Said:
    outcome = await blocks.block_match(call.ctx, call.sender, call.match.id)
    reply = Reply("You blocked ").person(outcome.other.display_name, outcome.other.username)
    reply.text(". You won't find or be asked by each other again.")
    return Said(reply, private=True)


async def report(call: RoomCall) -> Said:
    stored = await reports.report_match(call.ctx, call.sender, call.match.id, call.args)
    reply = Reply(f"Thank you. Your report (#{stored.id}) is stored for the operators;")
    reply.text(" the other person is not told. To end the match as well, send ").code("!block")
    reply.text(" in the room.")
    return Said(reply, private=True)


ROOM: dict[str, RoomHandler] = {
    "help": show_help,
    "shared": shared,
    "icebreaker": icebreaker,
    "unmatch": unmatch,
    "block": block,
    "report": report,
}
