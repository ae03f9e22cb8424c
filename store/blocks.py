"""The ``blocks`` table: who blocked whom. One row per blocker and pair, so
both people of a pair may block each other and each lifts only their own;
any row between two people keeps them apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "user_low, user_high, blocker_id, created_at"


@dataclass(frozen=True)
class Block:
    user_low: int
    user_high: int
    blocker_id: int
    created_at: str

    @classmethod
    def _from_row(cls, row: Any) -> Block:
        return cls(*row)


async def insert(conn: Connection, blocker_id: int, other_id: int) -> bool:
    """``blocker_id`` blocks ``other_id``; False when they already had."""
    cursor = await conn.execute(
        f"INSERT INTO blocks ({_COLUMNS}) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (min(blocker_id, other_id), max(blocker_id, other_id), blocker_id, iso(utc_now())),
    )
    return cursor.rowcount == 1


async def between(conn: Connection, a: int, b: int) -> Block | None:
    """A block between the two, whichever of them made it (the older one when both did)."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM blocks WHERE user_low = ? AND user_high = ? ORDER BY created_at, blocker_id LIMIT 1",
        (min(a, b), max(a, b)),
    )
    row = await cursor.fetchone()
    return Block._from_row(row) if row else None


async def others_of(conn: Connection, user_id: int) -> set[int]:
    """Everyone ``user_id`` is blocked from, whichever of the two blocked (or both)."""
    cursor = await conn.execute(
        "SELECT user_high FROM blocks WHERE user_low = ? UNION ALL SELECT user_low FROM blocks WHERE user_high = ?",
        (user_id, user_id),
    )
    return {int(row[0]) for row in await cursor.fetchall()}


async def by_blocker(conn: Connection, blocker_id: int) -> list[tuple[int, str]]:
    """(other person's id, since when) for each block ``blocker_id`` made, newest first."""
    cursor = await conn.execute(
        "SELECT CASE WHEN user_low = ? THEN user_high ELSE user_low END, created_at"
        " FROM blocks WHERE blocker_id = ? ORDER BY created_at DESC",
        (blocker_id, blocker_id),
    )
    return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]


async def delete_own(conn: Connection, blocker_id: int, other_id: int) -> bool:
    """Lift a block, only if ``blocker_id`` made it; False otherwise."""
    cursor = await conn.execute(
        "DELETE FROM blocks WHERE user_low = ? AND user_high = ? AND blocker_id = ?",
        (min(blocker_id, other_id), max(blocker_id, other_id), blocker_id),
    )
    return cursor.rowcount == 1


async def delete_involving(conn: Connection, user_id: int) -> None:
    """Every block ``user_id`` made or was the subject of (an account that is
    deleted: nobody is left to keep apart, and its name never returns)."""
    await conn.execute("DELETE FROM blocks WHERE user_low = ? OR user_high = ?", (user_id, user_id))


async def all_pairs(conn: Connection) -> set[tuple[int, int]]:
    """Every blocked pair, (low, high), whoever blocked (a round keeps them apart)."""
    cursor = await conn.execute("SELECT DISTINCT user_low, user_high FROM blocks")
    return {(int(row[0]), int(row[1])) for row in await cursor.fetchall()}
