"""The ``round_settings`` table: who takes part in rounds, how often, and where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = (
    "user_id, enabled, cadence, timezone, paused_until, skip_next, last_round_week, priority, no_shows, updated_at"
)


@dataclass(frozen=True)
class RoundSettings:
    user_id: int
    enabled: bool
    cadence: str
    timezone: str
    # A local date (YYYY-MM-DD): paused for rounds before it, back on it.
    paused_until: str | None
    skip_next: bool
    # The local Monday (YYYY-MM-DD) of the last round they were introduced in.
    last_round_week: str | None
    # Raised each time they are left unpaired; the higher, the earlier next time.
    priority: int
    # Partners who said they never came; the more, the later in the order.
    no_shows: int
    updated_at: str

    @classmethod
    def _from_row(cls, row: Any) -> RoundSettings:
        return cls(
            int(row[0]),
            bool(row[1]),
            str(row[2]),
            str(row[3]),
            row[4],
            bool(row[5]),
            row[6],
            int(row[7]),
            int(row[8]),
            str(row[9]),
        )


async def get(conn: Connection, user_id: int) -> RoundSettings | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM round_settings WHERE user_id = ?", (user_id,))
    row = await cursor.fetchone()
    return RoundSettings._from_row(row) if row else None


async def put(
    conn: Connection,
    user_id: int,
    enabled: bool,
    cadence: str,
    timezone: str,
    paused_until: str | None,
    skip_next: bool,
) -> None:
    """Write what the person chooses; the round bookkeeping columns are kept."""
    cursor = await conn.execute(
        "UPDATE round_settings SET enabled = ?, cadence = ?, timezone = ?, paused_until = ?, skip_next = ?,"
        " updated_at = ? WHERE user_id = ?",
        (int(enabled), cadence, timezone, paused_until, int(skip_next), iso(utc_now()), user_id),
    )
    if cursor.rowcount == 0:
        await conn.execute(
            "INSERT INTO round_settings (user_id, enabled, cadence, timezone, paused_until, skip_next, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (user_id, int(enabled), cadence, timezone, paused_until, int(skip_next), iso(utc_now())),
        )


async def delete(conn: Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM round_settings WHERE user_id = ?", (user_id,))


async def enabled_timezones(conn: Connection) -> list[str]:
    """The time zones of everyone opted in, each once (the scheduler's slots come from these)."""
    cursor = await conn.execute(
        "SELECT DISTINCT s.timezone FROM round_settings s JOIN users u ON u.id = s.user_id"
        " WHERE s.enabled = 1 AND u.status = 'active' ORDER BY s.timezone"
    )
    return [str(row[0]) for row in await cursor.fetchall()]


async def enabled_active(conn: Connection, timezones: list[str] | None = None) -> list[RoundSettings]:
    """Everyone opted in whose account is active, optionally only in some time zones."""
    sql = (
        f"SELECT {', '.join('s.' + c.strip() for c in _COLUMNS.split(','))}"
        " FROM round_settings s JOIN users u ON u.id = s.user_id WHERE s.enabled = 1 AND u.status = 'active'"
    )
    parameters: tuple[Any, ...] = ()
    if timezones is not None:
        if not timezones:
            return []
        sql += f" AND s.timezone IN ({', '.join('?' for _ in timezones)})"
        parameters = tuple(timezones)
    cursor = await conn.execute(sql + " ORDER BY s.user_id", parameters)
    return [RoundSettings._from_row(row) for row in await cursor.fetchall()]


async def mark_introduced(conn: Connection, user_id: int, week: str) -> None:
    """In a group this round: the cadence counts from this week, and the lift is spent."""
    await conn.execute("UPDATE round_settings SET last_round_week = ?, priority = 0 WHERE user_id = ?", (week, user_id))


async def mark_skipped(conn: Connection, user_id: int, week: str) -> None:
    """Skipped this round: the skip is spent and the cadence counts from this week."""
    await conn.execute(
        "UPDATE round_settings SET skip_next = 0, last_round_week = ? WHERE user_id = ?", (week, user_id)
    )


async def mark_unpaired(conn: Connection, user_id: int) -> None:
    """Left out this round: due again next round, and earlier in its order."""
    await conn.execute("UPDATE round_settings SET priority = priority + 1 WHERE user_id = ?", (user_id,))


async def add_no_show(conn: Connection, user_id: int) -> None:
    await conn.execute("UPDATE round_settings SET no_shows = no_shows + 1 WHERE user_id = ?", (user_id,))


async def interests_of_enabled(conn: Connection) -> list[tuple[int, int, int]]:
    """(person, interest, how many hold it) for everyone opted in: a round's
    entrants and their weights in one read."""
    cursor = await conn.execute(
        "SELECT ui.user_id, ui.interest_id, i.user_count FROM round_settings s"
        " JOIN user_interests ui ON ui.user_id = s.user_id JOIN interests i ON i.id = ui.interest_id"
        " WHERE s.enabled = 1"
    )
    return [(int(row[0]), int(row[1]), int(row[2])) for row in await cursor.fetchall()]


async def get_many(conn: Connection, user_ids: list[int]) -> dict[int, RoundSettings]:
    if not user_ids:
        return {}
    marks = ", ".join("?" for _ in user_ids)
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM round_settings WHERE user_id IN ({marks})", tuple(user_ids))
    return {int(row[0]): RoundSettings._from_row(row) for row in await cursor.fetchall()}
