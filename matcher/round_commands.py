"""``!rounds`` and ``!met`` in a person's direct room with the bot.

Thin wrappers over the rules the web uses (domain/round_preferences.py for
the settings, domain/checkins.py for answers): the same validation and the
same messages, whichever way a change comes in.
"""

from __future__ import annotations

from domain import checkins, round_preferences
from domain.errors import KindredError
from domain.round_preferences import RoundsView
from matcher.calls import Call
from matcher.replies import Reply

_CADENCE_WORDS = {"weekly": "every week", "fortnightly": "every two weeks", "four_weekly": "every four weeks"}
_USAGE = (
    "!rounds, !rounds on [weekly|fortnightly|four_weekly], !rounds off, !rounds pause YYYY-MM-DD,"
    " !rounds resume or !rounds skip"
)
_YES = {"yes", "y"}
_NO = {"no", "n"}


async def rounds(call: Call) -> Reply:
    action, _, rest = call.args.partition(" ")
    action, rest = action.lower(), rest.strip()
    ctx, person = call.ctx, call.person
    if not action:
        return describe(await round_preferences.current(ctx, person), call.ctx.round_schedule.hour)
    if action == "on":
        view = await round_preferences.change(ctx, person, enabled=True, cadence_=rest or None)
        lead = Reply("You're in rounds. ")
    elif action == "off":
        view = await round_preferences.change(ctx, person, enabled=False)
        lead = Reply("You're out of rounds: no more introductions until you send ").code("!rounds on").text(". ")
    elif action == "pause":
        if not rest:
            raise KindredError("field_required", "Say until when: !rounds pause YYYY-MM-DD", "paused_until")
        view = await round_preferences.change(ctx, person, paused_until=rest)
        lead = Reply("Paused. ")
    elif action == "resume":
        view = await round_preferences.change(ctx, person, paused_until=None, skip_next=False)
        lead = Reply("Welcome back. ")
    elif action == "skip":
        view = await round_preferences.change(ctx, person, skip_next=True)
        lead = Reply("You'll sit out the next round. ")
    else:
        raise KindredError("invalid_parameter", f"Use {_USAGE}.")
    return lead.append(describe(view, call.ctx.round_schedule.hour))


def describe(view: RoundsView, hour: int) -> Reply:
    """The person's rounds in a sentence or two, with what to send next."""
    if not view.enabled:
        reply = Reply("You're not in rounds. Send ").code("!rounds on")
        reply.text(" to be introduced to someone who shares your interests every week (or ")
        return reply.code("!rounds on fortnightly").text(" / ").code("four_weekly").text(").")
    reply = Reply("Rounds: ").bold(_CADENCE_WORDS.get(view.cadence, view.cadence))
    reply.text(f", time zone {view.timezone}")
    if view.paused_until:
        reply.text(f", paused until {view.paused_until}")
    if view.skip_next:
        reply.text(", skipping the next one")
    reply.text(".")
    if view.next_round is not None:
        day = view.next_round
        reply.text(" Your next round: ").bold(f"{day:%A} {day.day} {day:%B %Y}, {hour:02d}:00").text(".")
    reply.line().text("Change it with ").code("!rounds pause YYYY-MM-DD").text(", ").code("!rounds skip")
    return reply.text(" or ").code("!rounds off").text(".")


async def met(call: Call) -> Reply:
    word = call.args.strip().lower()
    if word not in _YES | _NO:
        raise KindredError("field_required", "Answer with !met yes or !met no.", "met")
    answer = await checkins.answer_latest(call.ctx, call.person, word in _YES)
    names = Reply()
    for i, other in enumerate(answer.others):
        if i:
            names.text(" and ")
        names.person(other.display_name, other.username)
    if answer.met:
        return Reply("Wonderful, thank you! Noted that you met ").append(names).text(".")
    reply = Reply("Thank you for telling me. Noted that you and ").append(names).text(" didn't meet.")
    return reply.text(" Your room stays open if you'd still like to.")
