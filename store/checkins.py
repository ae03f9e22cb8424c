"""The ``checkins`` table: "did you meet?", one row per person of a round's match.

A row exists once the person was asked, or answered without being asked
(on the Matches page, say): either way they are not asked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection

_COLUMNS = "match_id, user_id, met, asked_at, reminded_at, answered_at"
# The people of a match, one row each: its pair and, in a trio, the third.
_MEMBERS = (
    "CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) AS seat"
    " JOIN users u ON u.id = CASE seat.n WHEN 1 THEN m.user_low WHEN 2 THEN m.user_high ELSE m.user_third END"
)


@dataclass(frozen=True)
class Checkin:
    match_id: int
    user_id: int
    # None until they answer.
    met: bool | None
    asked_at: str | None
    reminded_at: str | None
    answered_at: str | None

    @classmethod
    def _from_row(cls, row: Any) -> Checkin:
        return cls(int(row[0]), int(row[1]), None if row[2] is None else bool(row[2]), row[3], row[4], row[5])


async def get(conn: Connection, match_id: int, user_id: int) -> Checkin | None:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM checkins WHERE match_id = ? AND user_id = ?", (match_id, user_id)
    )
    row = await cursor.fetchone()
    return Checkin._from_row(row) if row else None


async def for_match(conn: Connection, match_id: int) -> list[Checkin]:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM checkins WHERE match_id = ? ORDER BY user_id", (match_id,))
    return [Checkin._from_row(row) for row in await cursor.fetchall()]


async def of_user(conn: Connection, user_id: int, match_ids: list[int]) -> dict[int, Checkin]:
    """The person's rows for these matches (a page of them), by match."""
    if not match_ids:
        return {}
    marks = ", ".join("?" for _ in match_ids)
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM checkins WHERE user_id = ? AND match_id IN ({marks})", (user_id, *match_ids)
    )
    return {c.match_id: c for c in (Checkin._from_row(row) for row in await cursor.fetchall())}


async def all_of_user(conn: Connection, user_id: int) -> list[Checkin]:
    """Every row of the person, oldest match first (their export)."""
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM checkins WHERE user_id = ? ORDER BY match_id", (user_id,))
    return [Checkin._from_row(row) for row in await cursor.fetchall()]


async def latest_unanswered(conn: Connection, user_id: int) -> Checkin | None:
    """The newest question the person was asked and has not answered (the bot's ``!met``)."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM checkins WHERE user_id = ? AND met IS NULL AND asked_at IS NOT NULL"
        " ORDER BY asked_at DESC, match_id DESC LIMIT 1",
        (user_id,),
    )
    row = await cursor.fetchone()
    return Checkin._from_row(row) if row else None


async def record_answer(conn: Connection, match_id: int, user_id: int, met: bool, at: str) -> bool:
    """Store an answer; False when they had answered already (the first answer stands)."""
    cursor = await conn.execute(
        "INSERT INTO checkins (match_id, user_id, met, answered_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (match_id, user_id) DO UPDATE SET met = excluded.met, answered_at = excluded.answered_at"
        " WHERE checkins.met IS NULL",
        (match_id, user_id, int(met), at),
    )
    return cursor.rowcount == 1


async def to_ask(conn: Connection, since: str, introduced_before: str, limit: int) -> list[tuple[int, int]]:
    """(match, person) of open round matches introduced between ``since`` and
    ``introduced_before`` whose person has no row yet, oldest first. Only
    recent rounds are looked at: the bound keeps the scan to a few rounds."""
    cursor = await conn.execute(
        "SELECT m.id, u.id FROM rounds r JOIN round_groups g ON g.round_id = r.id AND g.state = 'matched'"
        f" JOIN matches m ON m.id = g.match_id {_MEMBERS}"
        " WHERE r.claimed_at >= ? AND m.status = 'ready' AND m.ready_at <= ? AND u.status = 'active'"
        " AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.match_id = m.id AND c.user_id = u.id)"
        " ORDER BY m.ready_at, m.id, u.id LIMIT ?",
        (since, introduced_before, limit),
    )
    return [(int(row[0]), int(row[1])) for row in await cursor.fetchall()]


async def mark_asked(conn: Connection, match_id: int, user_id: int, at: str) -> bool:
    """False when a row appeared meanwhile (they answered, or another run asked)."""
    cursor = await conn.execute(
        "INSERT INTO checkins (match_id, user_id, asked_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (match_id, user_id, at),
    )
    return cursor.rowcount == 1


async def to_remind(conn: Connection, asked_before: str, limit: int) -> list[Checkin]:
    """Questions asked before ``asked_before``, unanswered and not yet reminded, of open matches."""
    cursor = await conn.execute(
        f"SELECT {', '.join('c.' + c.strip() for c in _COLUMNS.split(','))} FROM checkins c"
        " JOIN matches m ON m.id = c.match_id"
        " WHERE c.met IS NULL AND c.reminded_at IS NULL AND c.asked_at IS NOT NULL AND c.asked_at <= ?"
        " AND m.status = 'ready' ORDER BY c.asked_at LIMIT ?",
        (asked_before, limit),
    )
    return [Checkin._from_row(row) for row in await cursor.fetchall()]


async def mark_reminded(conn: Connection, match_id: int, user_id: int, at: str) -> bool:
    cursor = await conn.execute(
        "UPDATE checkins SET reminded_at = ? WHERE match_id = ? AND user_id = ? AND reminded_at IS NULL"
        " AND met IS NULL",
        (at, match_id, user_id),
    )
    return cursor.rowcount == 1


async def is_round_match(conn: Connection, match_id: int) -> bool:
    cursor = await conn.execute("SELECT 1 FROM round_groups WHERE match_id = ?", (match_id,))
    return await cursor.fetchone() is not None


async def round_matches(conn: Connection, match_ids: list[int]) -> set[int]:
    """Those of ``match_ids`` that a round made."""
    if not match_ids:
        return set()
    marks = ", ".join("?" for _ in match_ids)
    cursor = await conn.execute(f"SELECT match_id FROM round_groups WHERE match_id IN ({marks})", tuple(match_ids))
    return {int(row[0]) for row in await cursor.fetchall()}


@dataclass(frozen=True)
class RoundAnswers:
    round_id: int
    # People who answered, and those of them who said they met.
    answered: int
    met: int


async def answers_by_round(conn: Connection, round_ids: list[int]) -> dict[int, RoundAnswers]:
    if not round_ids:
        return {}
    marks = ", ".join("?" for _ in round_ids)
    cursor = await conn.execute(
        "SELECT g.round_id, COUNT(c.met), COALESCE(SUM(c.met), 0) FROM round_groups g"
        " JOIN checkins c ON c.match_id = g.match_id"
        f" WHERE g.round_id IN ({marks}) AND c.met IS NOT NULL GROUP BY g.round_id",
        tuple(round_ids),
    )
    return {int(r[0]): RoundAnswers(int(r[0]), int(r[1]), int(r[2])) for r in await cursor.fetchall()}


async def totals(conn: Connection) -> tuple[int, int, int]:
    """(waiting for an answer, answered, said they met), over all time: the metrics' figures."""
    cursor = await conn.execute(
        "SELECT COALESCE(SUM(CASE WHEN met IS NULL THEN 1 ELSE 0 END), 0), COUNT(met), COALESCE(SUM(met), 0)"
        " FROM checkins"
    )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


async def no_shows(conn: Connection, user_ids: list[int]) -> dict[int, int]:
    """``round_settings.no_shows`` of these people (those with settings)."""
    if not user_ids:
        return {}
    marks = ", ".join("?" for _ in user_ids)
    cursor = await conn.execute(
        f"SELECT user_id, no_shows FROM round_settings WHERE user_id IN ({marks})", tuple(user_ids)
    )
    return {int(row[0]): int(row[1]) for row in await cursor.fetchall()}
