"""When rounds happen, and whose turn each one is.

The operator sets one weekday and local hour (default Monday 10:00); each
person is introduced at that time *in their own time zone*. A round is
therefore keyed by the UTC instant it happens at (its ``slot``): everyone
whose local Monday 10:00 falls on that instant is in it, so people of one
time zone (and of zones sharing its offset) are paired together, each in
their morning. A slot is claimed once, by inserting its key (store/rounds).

A person's cadence counts weeks from ``last_round_week``, the local date of
the last round they were introduced in; nobody introduced yet is due at once.
These functions are pure: the caller passes the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from store.round_settings import RoundSettings

CADENCE_WEEKS = {"weekly": 1, "fortnightly": 2, "four_weekly": 4}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# How a run by hand is keyed: it never collides with a scheduled slot.
MANUAL_PREFIX = "run "


@dataclass(frozen=True)
class Schedule:
    weekday: int = 0
    hour: int = 10
    # A slot missed (Kindred down) still runs when it comes back within this long.
    catch_up: timedelta = timedelta(hours=48)


def latest_local(now: datetime, timezone: str, schedule: Schedule) -> datetime:
    """The last scheduled moment at or before ``now``, in ``timezone`` (aware)."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    day = local_now.date() - timedelta(days=(local_now.weekday() - schedule.weekday) % 7)
    moment = datetime.combine(day, time(schedule.hour), tzinfo=zone)
    if moment > local_now:
        moment = datetime.combine(day - timedelta(days=7), time(schedule.hour), tzinfo=zone)
    return moment


def next_local(now: datetime, timezone: str, schedule: Schedule) -> datetime:
    """The next scheduled moment after ``now``, in ``timezone`` (for "next round on ...")."""
    latest = latest_local(now, timezone, schedule)
    return datetime.combine(latest.date() + timedelta(days=7), time(schedule.hour), tzinfo=latest.tzinfo)


def slot_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def open_slots(now: datetime, timezones: list[str], schedule: Schedule) -> dict[str, list[str]]:
    """Slot key -> the time zones in it, for slots whose moment has come and
    is recent enough to run (not older than the catch-up window)."""
    slots: dict[str, list[str]] = {}
    for timezone in timezones:
        moment = latest_local(now, timezone, schedule)
        if now - moment <= schedule.catch_up:
            slots.setdefault(slot_key(moment), []).append(timezone)
    return slots


def round_week(now: datetime, timezone: str, schedule: Schedule) -> date:
    """The local date of the round someone is in at ``now`` (the one just begun)."""
    return latest_local(now, timezone, schedule).date()


@dataclass(frozen=True)
class Turn:
    due: bool
    # Due, but asked to skip this one: the skip is spent and the cadence restarts.
    skips: bool = False


def turn(settings: RoundSettings, week: date) -> Turn:
    """Whether someone opted in takes part in the round of local date ``week``."""
    if not settings.enabled:
        return Turn(False)
    if settings.paused_until is not None and week < date.fromisoformat(settings.paused_until):
        return Turn(False)
    if settings.last_round_week is not None:
        weeks = CADENCE_WEEKS.get(settings.cadence, 1)
        if (week - date.fromisoformat(settings.last_round_week)).days < 7 * weeks:
            return Turn(False)
    if settings.skip_next:
        return Turn(False, skips=True)
    return Turn(True)


def next_round(settings: RoundSettings, now: datetime, schedule: Schedule) -> date | None:
    """The local date of the next round this person will be in (None when opted out)."""
    if not settings.enabled:
        return None
    moment = next_local(now, settings.timezone, schedule)
    current = settings
    # A skip spends one turn and restarts the cadence; a pause pushes it on. Bounded look-ahead.
    for _ in range(60):
        found = turn(current, moment.date())
        if found.due:
            return moment.date()
        if found.skips:
            current = replace(current, skip_next=False, last_round_week=moment.date().isoformat())
        moment += timedelta(days=7)
    return None
