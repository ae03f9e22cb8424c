"""Commands in a match's room, for the two people matched there."""

from __future__ import annotations

from domain import blocks, matches, reports
from matcher.calls import Call
from matcher.replies import Reply


async def shared(call: Call) -> Reply:
    _ = call.t.gettext
    names = await matches.shared_in(call.ctx, call.match)
    return Reply().fill(
        _("You both like: %(interests)s.")
        if call.match.user_third is None
        else _("Between you, you like: %(interests)s."),
        interests=Reply().interests(names, _("nothing in common on paper — a chance to ask!")),
    )


async def icebreaker(call: Call) -> Reply:
    names = await matches.shared_in(call.ctx, call.match)
    assert call.match.room_id
    return Reply().fill(
        call.t.gettext("Icebreaker: %(question)s"),
        question=Reply().bold(call.icebreakers.pick(call.match.room_id, names, call.t)),
    )


async def unmatch(call: Call) -> Reply | None:
    # The room hears about it from the match.closed event, as for a close on the web.
    await matches.close_match(call.ctx, call.person, call.match.id)
    return None


async def block(call: Call) -> Reply:
    outcome = await blocks.block_match(call.ctx, call.person, call.match.id)
    return Reply().fill(
        call.t.gettext("You blocked %(person)s. You won't find or be asked by each other again."),
        person=Reply().person(outcome.other.display_name, outcome.other.username),
    )


async def report(call: Call) -> Reply:
    stored = await reports.report_match(call.ctx, call.person, call.match.id, call.args)
    return Reply().fill(
        call.t.gettext(
            "Thank you. Your report (#%(number)s) is stored for the operators; the other person is not told."
            " To end the match as well, send %(command)s in the room."
        ),
        number=str(stored.id),
        command=Reply().code("!block"),
    )
