"""Figures about rounds for operators: each past round, and week by week.

One read serves the admin page (a table and two charts) and ``/metrics``,
so the page and the scrape never disagree. "People in rounds" counts those
a round introduced (in a pair or the trio); the share who met is of the
check-in answers given so far, so a recent round's share fills in as its
people answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from config.i18n import N_
from domain.context import Kindred
from domain.round_schedule import MANUAL_PREFIX
from store import checkins, rounds
from store.rounds import Round
from store.timeutil import parse

# The admin page's reach: about a year of weekly rounds in several time zones.
RECENT = 200

# A round's state as operators read it (the stored value is the key).
STATUS_NAMES: dict[str, str] = {
    "claimed": N_("started"),
    "planned": N_("pairing done, opening rooms"),
    "done": N_("done"),
}


@dataclass(frozen=True)
class RoundFigures:
    id: int
    slot: str
    # When it ran (claimed), ISO text.
    ran_at: str
    status: str
    due: int
    paired: int  # people introduced
    groups: int
    trios: int
    unpaired: int
    answered: int
    met: int

    @property
    def met_rate(self) -> float | None:
        return self.met / self.answered if self.answered else None

    @property
    def by_hand(self) -> bool:
        """Run with ``kindred rounds run`` rather than by the schedule."""
        return self.slot.startswith(MANUAL_PREFIX)


@dataclass(frozen=True)
class WeekFigures:
    # The Monday (UTC) of the week its rounds ran in.
    week: date
    people: int
    answered: int
    met: int

    @property
    def met_rate(self) -> float | None:
        return self.met / self.answered if self.answered else None


@dataclass(frozen=True)
class Overview:
    rounds: list[RoundFigures]  # newest first
    weeks: list[WeekFigures]  # oldest first


async def overview(ctx: Kindred, limit: int = RECENT) -> Overview:
    async with ctx.db.read() as conn:
        found = await rounds.recent(conn, limit)
        answers = await checkins.answers_by_round(conn, [r.id for r in found])
    figures = [_figures(r, answers.get(r.id)) for r in found]
    return Overview(figures, _by_week(figures))


def _figures(found: Round, answers: checkins.RoundAnswers | None) -> RoundFigures:
    # A trio is one group of three: two people per group, one more per trio.
    return RoundFigures(
        found.id,
        found.slot,
        found.claimed_at,
        found.status,
        found.due_count,
        2 * found.paired_count + found.trio_count,
        found.paired_count,
        found.trio_count,
        found.unpaired_count,
        answers.answered if answers else 0,
        answers.met if answers else 0,
    )


def _by_week(figures: list[RoundFigures]) -> list[WeekFigures]:
    weeks: dict[date, list[RoundFigures]] = {}
    for f in figures:
        day = parse(f.ran_at).date()
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(f)
    if not weeks:
        return []
    # Every week from the first to the last, a quiet one as a zero: a gap in
    # a chart should look like one.
    first, last = min(weeks), max(weeks)
    span = [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]
    return [
        WeekFigures(
            week,
            sum(f.paired for f in weeks.get(week, [])),
            sum(f.answered for f in weeks.get(week, [])),
            sum(f.met for f in weeks.get(week, [])),
        )
        for week in span
    ]


@dataclass(frozen=True)
class CheckinTotals:
    waiting: int
    answered: int
    met: int


async def checkin_totals(ctx: Kindred) -> CheckinTotals:
    async with ctx.db.read() as conn:
        waiting, answered, met = await checkins.totals(conn)
    return CheckinTotals(waiting, answered, met)
