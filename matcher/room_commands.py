"""Commands in a match's room, for the two people matched there."""

from __future__ import annotations

from domain import blocks, matches, reports
from matcher.calls import Call
from matcher.replies import Reply


async def shared(call: Call) -> Reply:
    names = await matches.shared_between(call.ctx, call.match.user_low, call.match.user_high)
    reply = Reply("You both like: ").interests(names, "nothing in common on paper — a chance to ask!")
    return reply.text(".")


async def icebreaker(call: Call) -> Reply:
    names = await matches.shared_between(call.ctx, call.match.user_low, call.match.user_high)
    assert call.match.room_id
    return Reply("Icebreaker: ").bold(call.icebreakers.pick(call.match.room_id, names))


async def unmatch(call: Call) -> Reply | None:
    # The room hears about it from the match.closed event, as for a close on the web.
    await matches.close_match(call.ctx, call.person, call.match.id)
    return None


async def block(call: Call) -> Reply:
    outcome = await blocks.block_match(call.ctx, call.person, call.match.id)
    reply = Reply("You blocked ").person(outcome.other.display_name, outcome.other.username)
    return reply.text(". You won't find or be asked by each other again.")


async def report(call: Call) -> Reply:
    stored = await reports.report_match(call.ctx, call.person, call.match.id, call.args)
    reply = Reply(f"Thank you. Your report (#{stored.id}) is stored for the operators;")
    reply.text(" the other person is not told. To end the match as well, send ").code("!block")
    return reply.text(" in the room.")
