"""``!rounds`` and ``!met`` in a person's direct room with the bot.

Thin wrappers over the rules the web uses (domain/round_preferences.py for
the settings, domain/checkins.py for answers): the same validation and the
same messages, whichever way a change comes in. Every reply is in the
person's language (``call.t``); the words people send (``on``, ``yes``)
are the same in every language, like the command names.
"""

from __future__ import annotations

from config.i18n import N_, Translator
from domain import checkins, round_preferences
from domain.errors import KindredError
from domain.round_preferences import RoundsView
from matcher.calls import Call
from matcher.replies import Reply

_USAGE = N_(
    "Use !rounds, !rounds on [weekly|fortnightly|four_weekly], !rounds off, !rounds pause YYYY-MM-DD,"
    " !rounds resume or !rounds skip."
)
_YES = {"yes", "y"}
_NO = {"no", "n"}


async def rounds(call: Call) -> Reply:
    _ = call.t.gettext
    action, _sep, rest = call.args.partition(" ")
    action, rest = action.lower(), rest.strip()
    ctx, person = call.ctx, call.person
    hour = ctx.round_schedule.hour
    if not action:
        return describe(await round_preferences.current(ctx, person), hour, call.t)
    if action == "on":
        view = await round_preferences.change(ctx, person, enabled=True, cadence_=rest or None)
        lead = Reply(_("You're in rounds.")).text(" ")
    elif action == "off":
        view = await round_preferences.change(ctx, person, enabled=False)
        lead = Reply().fill(
            _("You're out of rounds: no more introductions until you send %(command)s."),
            command=Reply().code("!rounds on"),
        )
        lead.text(" ")
    elif action == "pause":
        if not rest:
            raise KindredError("field_required", N_("Say until when: !rounds pause YYYY-MM-DD"), "paused_until")
        view = await round_preferences.change(ctx, person, paused_until=rest)
        lead = Reply(_("Paused.")).text(" ")
    elif action == "resume":
        view = await round_preferences.change(ctx, person, paused_until=None, skip_next=False)
        lead = Reply(_("Welcome back.")).text(" ")
    elif action == "skip":
        view = await round_preferences.change(ctx, person, skip_next=True)
        lead = Reply(_("You'll sit out the next round.")).text(" ")
    else:
        raise KindredError("invalid_parameter", _USAGE)
    return lead.append(describe(view, hour, call.t))


def describe(view: RoundsView, hour: int, t: Translator) -> Reply:
    """The person's rounds in a sentence or two, with what to send next, in their language."""
    _ = t.gettext
    if not view.enabled:
        return Reply().fill(
            _(
                "You're not in rounds. Send %(on)s to be introduced to someone who shares your interests"
                " every week (or %(fortnightly)s / %(four_weekly)s)."
            ),
            on=Reply().code("!rounds on"),
            fortnightly=Reply().code("!rounds on fortnightly"),
            four_weekly=Reply().code("four_weekly"),
        )
    how = Reply().bold(round_preferences.cadence_words(view.cadence, t))
    how.text(", ").text(_("time zone %(zone)s") % {"zone": view.timezone})
    if view.paused_until:
        how.text(", ").text(_("paused until %(date)s") % {"date": view.paused_until})
    if view.skip_next:
        how.text(", ").text(_("skipping the next one"))
    reply = Reply().fill(_("Rounds: %(how)s."), how=how)
    if view.next_round is not None:
        reply.text(" ").fill(
            _("Your next round: %(when)s."), when=Reply().bold(round_preferences.moment_text(view.next_round, hour, t))
        )
    return reply.line().fill(
        _("Change it with %(pause)s, %(skip)s or %(off)s."),
        pause=Reply().code(_("!rounds pause YYYY-MM-DD")),
        skip=Reply().code("!rounds skip"),
        off=Reply().code("!rounds off"),
    )


async def met(call: Call) -> Reply:
    _ = call.t.gettext
    word = call.args.strip().lower()
    if word not in _YES | _NO:
        raise KindredError("field_required", N_("Answer with !met yes or !met no."), "met")
    answer = await checkins.answer_latest(call.ctx, call.person, word in _YES)
    names = Reply().person(answer.others[0].display_name, answer.others[0].username) if answer.others else Reply()
    for other in answer.others[1:]:
        names = Reply().fill(
            _("%(first)s and %(second)s"), first=names, second=Reply().person(other.display_name, other.username)
        )
    if answer.met:
        return Reply().fill(_("Wonderful, thank you! Noted that you met %(people)s."), people=names)
    reply = Reply().fill(_("Thank you for telling me. Noted that you and %(people)s didn't meet."), people=names)
    return reply.text(" ").text(_("Your room stays open if you'd still like to."))
