"""Page: your rounds (Profile → Rounds): in or out, how often, time zone, a pause, a skip.

The same rule as the API's ``PUT /api/v1/me/rounds`` and the bot's
``!rounds`` (domain/round_preferences.py); a refused value is shown next to
its field, with what was typed kept.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from config.i18n import N_, Translator
from domain import round_preferences
from domain.errors import KindredError
from domain.round_preferences import RoundsView
from web import keys
from web.bodies import parse_form
from web.errors import STATUS
from web.i18n import say, translator_of
from web.pages import current_user, redirect
from web.schemas import RoundsForm


@cache
def timezones() -> tuple[str, ...]:
    """Region/City names people choose from (and UTC), sorted; not the legacy aliases."""
    names = (n for n in zoneinfo.available_timezones() if "/" in n and not n.startswith(("Etc/", "SystemV/")))
    return ("UTC", *sorted(names))


async def rounds_page(request: web.Request) -> web.StreamResponse:
    return await _render(request)


async def save(request: web.Request) -> web.StreamResponse:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    form = await parse_form(request, RoundsForm)
    before = await round_preferences.current(ctx, user)
    # A pause left as it was is kept as it is, even once its date is today.
    pause: object = round_preferences.KEEP if form.paused_until == (before.paused_until or "") else form.paused_until
    try:
        view = await round_preferences.change(
            ctx,
            user,
            enabled=form.enabled == "on" if form.action != "off" else False,
            cadence_=form.cadence,
            timezone_=form.timezone,
            paused_until=pause,
            skip_next=form.skip_next == "on",
        )
    except KindredError as exc:
        refused = {exc.field or "form": exc.message_in(translator_of(request))}
        return await _render(request, form.model_dump(), refused, STATUS[exc.kind])
    if not view.enabled:
        flash = say(
            request, N_("You're out of rounds.") if before.enabled else N_("Saved. Rounds stay off until you opt in.")
        )
    elif view.next_round is not None:
        when = round_preferences.moment_text(view.next_round, ctx.round_schedule.hour, translator_of(request))
        flash = say(request, N_("Saved. Your next round: %(when)s."), when=when)
    else:
        flash = say(request, N_("Saved."))
    raise redirect(request, "rounds", flash=flash)


def _state(view: RoundsView, t: Translator) -> str:
    """How someone in rounds takes part, in words: how often, and any pause or skip."""
    parts = [round_preferences.cadence_words(view.cadence, t)]
    if view.paused_until:
        parts.append(t.gettext("paused until %(date)s") % {"date": view.paused_until})
    if view.skip_next:
        parts.append(t.gettext("skipping the next one"))
    return ", ".join(parts)


async def _render(
    request: web.Request, form: dict[str, Any] | None = None, errors: dict[str, str] | None = None, status: int = 200
) -> web.Response:
    user = current_user(request)
    ctx = request.app[keys.KINDRED]
    view = await round_preferences.current(ctx, user)
    shown = form or {
        "enabled": "on" if view.enabled else "",
        "cadence": view.cadence,
        "timezone": view.timezone,
        "paused_until": view.paused_until or "",
        "skip_next": "on" if view.skip_next else "",
    }
    t = translator_of(request)
    hour = ctx.round_schedule.hour
    context = {
        "view": view,
        "form": shown,
        "errors": errors or {},
        # Stored values, each with its name in the reader's language.
        "cadences": [(value, t.gettext(name)) for value, name in round_preferences.CADENCE_NAMES.items()],
        "timezones": timezones(),
        # Never chosen yet: the page may offer the browser's own zone.
        "first_time": not view.enabled and view.timezone == "UTC" and form is None,
        "state": _state(view, t),
        "next_round": round_preferences.moment_text(view.next_round, hour, t) if view.next_round else None,
        "time": f"{hour:02d}:00",
        "on_day": t.gettext(round_preferences.ON_WEEKDAYS[ctx.round_schedule.weekday]),
    }
    return aiohttp_jinja2.render_template("rounds.html", request, context, status=status)
