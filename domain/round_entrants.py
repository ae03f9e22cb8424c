"""Who enters a round, what they weigh, and whom they may not meet.

Read from the store in a few whole-table queries (everyone opted in, every
block, open match and pending request), since a round looks at everyone due
at once; only the repeat window is read per entrant, in chunks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import combinations

from domain.checkins import order_penalty
from domain.ranking import idf
from domain.round_pairing import Entrant
from domain.round_schedule import Schedule, round_week, turn
from store import blocks, matches, requests, round_entrants, round_settings, suggestions
from store.connection import Connection
from store.round_settings import RoundSettings

_CHUNK = 500


@dataclass(frozen=True)
class Field:
    """Everything ``plan_round`` is given, and what the round must write besides."""

    entrants: list[Entrant]
    weights: dict[int, float]
    excluded: set[frozenset[int]]
    # Each entrant's round week (the local date of this round for them).
    weeks: dict[int, date]
    # Due but skipping this one: (person, week) whose skip is spent.
    skipping: list[tuple[int, date]]
    # The settings every entrant and skipper had when read: the plan is
    # written only if none changed meanwhile (another round took them, say).
    seen: dict[int, RoundSettings]


async def gather(
    conn: Connection, now: datetime, schedule: Schedule, repeat_window: int, timezones: list[str] | None
) -> Field:
    """Everyone due now (of ``timezones`` only, when given), ordered: someone
    left out last time first, someone whose partners did not show up later."""
    entrants: list[Entrant] = []
    weeks: dict[int, date] = {}
    skipping: list[tuple[int, date]] = []
    seen: dict[int, RoundSettings] = {}
    held: dict[int, set[int]] = {}
    holders: dict[int, int] = {}
    for user_id, interest_id, count in await round_settings.interests_of_enabled(conn):
        held.setdefault(user_id, set()).add(interest_id)
        holders[interest_id] = count
    for settings in await round_settings.enabled_active(conn, timezones):
        week = round_week(now, settings.timezone, schedule)
        found = turn(settings, week)
        if found.skips:
            skipping.append((settings.user_id, week))
            seen[settings.user_id] = settings
        if not found.due:
            continue
        seen[settings.user_id] = settings
        weeks[settings.user_id] = week
        # One no-show may be bad luck: only repeated ones move someone back.
        order = order_penalty(settings.no_shows) - settings.priority
        entrants.append(Entrant(settings.user_id, frozenset(held.get(settings.user_id, ())), order))
    population = await suggestions.population(conn)
    used = {i for e in entrants for i in e.interest_ids}
    weights = {i: idf(population, holders[i]) for i in used}
    excluded = await exclusions(conn, [e.user_id for e in entrants], repeat_window)
    return Field(entrants, weights, excluded, weeks, skipping, seen)


async def unchanged(conn: Connection, field: Field) -> bool:
    """Whether everyone's settings are still as ``gather`` read them."""
    ids = sorted(field.seen)
    for start in range(0, len(ids), _CHUNK):
        now = await round_settings.get_many(conn, ids[start : start + _CHUNK])
        if any(now.get(user_id) != field.seen[user_id] for user_id in ids[start : start + _CHUNK]):
            return False
    return True


async def exclusions(conn: Connection, user_ids: list[int], repeat_window: int) -> set[frozenset[int]]:
    """Pairs among ``user_ids`` a round must never make: blocked, matched (an
    open match, a trio's too), asked (a pending request), or introduced in
    the last ``repeat_window`` rounds either of them was in."""
    present = set(user_ids)
    pairs: set[frozenset[int]] = set()

    def keep(members: tuple[int, ...] | list[int]) -> None:
        inside = [m for m in members if m in present]
        pairs.update(frozenset(p) for p in combinations(inside, 2))

    for pair in await blocks.all_pairs(conn):
        keep(pair)
    for members in await matches.open_pairs(conn):
        keep(members)
    for pair in await requests.pending_pairs(conn):
        keep(pair)
    groups: set[int] = set()
    for start in range(0, len(user_ids), _CHUNK):
        chunk = user_ids[start : start + _CHUNK]
        groups.update(g for _, g in await round_entrants.recent_groupings(conn, chunk, repeat_window))
    by_group: dict[int, list[int]] = {}
    ordered = sorted(groups)
    for start in range(0, len(ordered), _CHUNK):
        for group_id, user_id in await round_entrants.members_of_groups(conn, ordered[start : start + _CHUNK]):
            by_group.setdefault(group_id, []).append(user_id)
    for grouped in by_group.values():
        keep(grouped)
    return pairs
