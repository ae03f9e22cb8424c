"""A person's choices about rounds: in or out, how often, where, pauses and skips.

One rule for the web, the API and the bot's ``!rounds``: every change goes
through ``change``, which validates each field it is given and leaves the
others as they were. A bad value is a 400 naming the field; nothing is
written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config.i18n import N_, Translator
from domain.context import Kindred
from domain.errors import KindredError
from domain.round_schedule import CADENCE_WEEKS, latest_local, next_round
from store import round_settings
from store.round_settings import RoundSettings
from store.timeutil import utc_now
from store.users import User

DEFAULT_CADENCE = "weekly"
DEFAULT_TIMEZONE = "UTC"
# The furthest a pause may reach.
MAX_PAUSE = timedelta(days=366)
# Marks "leave as it is" apart from None (which clears a pause).
KEEP = object()

# What people read for each stored cadence (marked here, translated where
# shown): a name for a list to choose from, and words for inside a sentence.
CADENCE_NAMES: dict[str, str] = {
    "weekly": N_("Every week"),
    "fortnightly": N_("Every two weeks"),
    "four_weekly": N_("Every four weeks"),
}
CADENCE_WORDS: dict[str, str] = {
    "weekly": N_("every week"),
    "fortnightly": N_("every two weeks"),
    "four_weekly": N_("every four weeks"),
}
# Monday first, as ``date.weekday()`` counts; the stored schedule keeps its English keys.
WEEKDAY_NAMES: tuple[str, ...] = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
# "Introductions come on Mondays": the weekday as a habit, which some
# languages write as a word of its own (German "montags").
ON_WEEKDAYS: tuple[str, ...] = (
    N_("on Mondays"),
    N_("on Tuesdays"),
    N_("on Wednesdays"),
    N_("on Thursdays"),
    N_("on Fridays"),
    N_("on Saturdays"),
    N_("on Sundays"),
)


def cadence_words(value: str, t: Translator) -> str:
    """A stored cadence as words in the reader's language; an unknown one as it is stored."""
    return t.gettext(CADENCE_WORDS[value]) if value in CADENCE_WORDS else value


def moment_text(day: date, hour: int, t: Translator) -> str:
    """A round's local moment for people: the weekday in their language, the date as YYYY-MM-DD."""
    return t.gettext("%(weekday)s %(date)s, %(time)s") % {
        "weekday": t.gettext(WEEKDAY_NAMES[day.weekday()]),
        "date": day.isoformat(),
        "time": f"{hour:02d}:00",
    }


@dataclass(frozen=True)
class RoundsView:
    enabled: bool
    cadence: str
    timezone: str
    paused_until: str | None
    skip_next: bool
    # The local date of the next round they will be in; None when opted out.
    next_round: date | None


def cadence(value: str) -> str:
    chosen = value.strip().lower() if isinstance(value, str) else ""
    if chosen not in CADENCE_WEEKS:
        raise KindredError("round_cadence_invalid", field="cadence")
    return chosen


def timezone(value: str) -> str:
    name = value.strip() if isinstance(value, str) else ""
    # ZoneInfo takes paths too; a name is letters, digits and _+-/ only.
    if not name or name.startswith("/") or ".." in name or len(name) > 64:
        raise KindredError("timezone_invalid", field="timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise KindredError("timezone_invalid", field="timezone") from None
    return name


def pause_date(value: str | None, tz: str, now: datetime) -> str | None:
    """A date from tomorrow (in the person's time zone) to a year ahead; None ends a pause."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        day = date.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise KindredError("pause_date_invalid", field="paused_until") from None
    today = now.astimezone(ZoneInfo(tz)).date()
    if not today < day <= today + MAX_PAUSE:
        raise KindredError("pause_date_invalid", field="paused_until")
    return day.isoformat()


def view(settings: RoundSettings | None, ctx: Kindred, now: datetime) -> RoundsView:
    if settings is None:
        return RoundsView(False, DEFAULT_CADENCE, DEFAULT_TIMEZONE, None, False, None)
    return RoundsView(
        settings.enabled,
        settings.cadence,
        settings.timezone,
        settings.paused_until,
        settings.skip_next,
        next_round(settings, now, ctx.round_schedule),
    )


async def current(ctx: Kindred, user: User, now: datetime | None = None) -> RoundsView:
    async with ctx.db.read() as conn:
        settings = await round_settings.get(conn, user.id)
    return view(settings, ctx, now or utc_now())


async def change(
    ctx: Kindred,
    user: User,
    *,
    enabled: bool | None = None,
    cadence_: str | None = None,
    timezone_: str | None = None,
    paused_until: object = KEEP,
    skip_next: bool | None = None,
    now: datetime | None = None,
) -> RoundsView:
    """Change what is given; a past pause is forgotten on the way."""
    now = now or utc_now()
    async with ctx.db.transaction() as conn:
        old = await round_settings.get(conn, user.id)
        tz = timezone(timezone_) if timezone_ is not None else (old.timezone if old else DEFAULT_TIMEZONE)
        chosen_cadence = cadence(cadence_) if cadence_ is not None else (old.cadence if old else DEFAULT_CADENCE)
        if paused_until is KEEP:
            pause = old.paused_until if old else None
            if pause is not None and date.fromisoformat(pause) <= latest_local(now, tz, ctx.round_schedule).date():
                pause = None
        else:
            pause = pause_date(paused_until if isinstance(paused_until, str) or paused_until is None else "?", tz, now)
        on = enabled if enabled is not None else (old.enabled if old else False)
        skip = skip_next if skip_next is not None else (old.skip_next if old else False)
        await round_settings.put(conn, user.id, on, chosen_cadence, tz, pause, skip)
        settings = await round_settings.get(conn, user.id)
    return view(settings, ctx, now)
