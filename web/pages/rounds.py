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

from domain import round_preferences
from domain.errors import KindredError
from domain.round_schedule import WEEKDAYS
from web import keys
from web.bodies import parse_form
from web.errors import STATUS
from web.pages import current_user, redirect
from web.schemas import RoundsForm

CADENCES = (("weekly", "Every week"), ("fortnightly", "Every two weeks"), ("four_weekly", "Every four weeks"))


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
        return await _render(request, form.model_dump(), {exc.field or "form": exc.message}, STATUS[exc.kind])
    if not view.enabled:
        flash = "You're out of rounds." if before.enabled else "Saved. Rounds stay off until you opt in."
    elif view.next_round is not None:
        flash = f"Saved. Your next round: {view.next_round:%A} {view.next_round.day} {view.next_round:%B}."
    else:
        flash = "Saved."
    raise redirect(request, "rounds", flash=flash)


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
    context = {
        "view": view,
        "form": shown,
        "errors": errors or {},
        "cadences": CADENCES,
        "timezones": timezones(),
        # Never chosen yet: the page may offer the browser's own zone.
        "first_time": not view.enabled and view.timezone == "UTC" and form is None,
        "hour": ctx.round_schedule.hour,
        "schedule_day": WEEKDAYS[ctx.round_schedule.weekday].capitalize(),
    }
    return aiohttp_jinja2.render_template("rounds.html", request, context, status=status)
