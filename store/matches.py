"""The ``matches`` table: two people who agreed to talk, and their room.

A round with an odd count makes one trio: its match keeps two of them in
``user_low``/``user_high`` (the lowest and highest id) and the third in
``user_third``; a pair's match has no third.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "id, request_id, user_low, user_high, status, room_id, created_at, ready_at, closed_at, user_third"


@dataclass(frozen=True)
class Match:
    id: int
    request_id: int
    user_low: int
    user_high: int
    status: str
    room_id: str | None
    created_at: str
    ready_at: str | None
    closed_at: str | None
    user_third: int | None = None

    @classmethod
    def _from_row(cls, row: Any) -> Match:
        return cls(*row)

    def other(self, user_id: int) -> int:
        return self.user_high if user_id == self.user_low else self.user_low

    def involves(self, user_id: int) -> bool:
        return user_id in self.members

    @property
    def members(self) -> tuple[int, ...]:
        """Everyone in the match, lowest id first (two, or three for a trio)."""
        if self.user_third is None:
            return (self.user_low, self.user_high)
        return tuple(sorted((self.user_low, self.user_high, self.user_third)))


async def insert(conn: Connection, request_id: int, a: int, b: int, third: int | None = None) -> int:
    """A match of two, or of three when ``third`` is given (a round's trio)."""
    if third is not None:
        low, third, high = sorted((a, b, third))
    else:
        low, high = min(a, b), max(a, b)
    cursor = await conn.execute(
        "INSERT INTO matches (request_id, user_low, user_high, user_third, status, created_at)"
        " VALUES (?, ?, ?, ?, 'provisioning', ?) RETURNING id",
        (request_id, low, high, third, iso(utc_now())),
    )
    row = await cursor.fetchone()
    return int(row[0])


async def get(conn: Connection, match_id: int) -> Match | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM matches WHERE id = ?", (match_id,))
    row = await cursor.fetchone()
    return Match._from_row(row) if row else None


async def open_between(conn: Connection, a: int, b: int) -> Match | None:
    """An open match both are in: theirs as a pair, or a trio holding both."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM matches WHERE user_low = ? AND user_high = ? AND status <> 'closed'",
        (min(a, b), max(a, b)),
    )
    row = await cursor.fetchone()
    if row is None:
        # In a trio the pair is either (low, high), found above, or one of them is the third.
        cursor = await conn.execute(
            f"SELECT {_COLUMNS} FROM matches WHERE user_third IN (?, ?) AND status <> 'closed'"
            " AND ? IN (user_low, user_high, user_third) AND ? IN (user_low, user_high, user_third)",
            (a, b, a, b),
        )
        row = await cursor.fetchone()
    return Match._from_row(row) if row else None


async def list_for_user(conn: Connection, user_id: int, limit: int, offset: int = 0) -> list[Match]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM matches WHERE user_low = ?"
        f" UNION ALL SELECT {_COLUMNS} FROM matches WHERE user_high = ?"
        f" UNION ALL SELECT {_COLUMNS} FROM matches WHERE user_third = ?"
        " ORDER BY id DESC LIMIT ? OFFSET ?",
        (user_id, user_id, user_id, limit, offset),
    )
    return [Match._from_row(row) for row in await cursor.fetchall()]


async def set_room(conn: Connection, match_id: int, room_id: str) -> None:
    await conn.execute("UPDATE matches SET room_id = ? WHERE id = ? AND room_id IS NULL", (room_id, match_id))


async def mark_ready(conn: Connection, match_id: int) -> bool:
    """Ready once it has a room; False if it was closed or is not provisioning."""
    cursor = await conn.execute(
        "UPDATE matches SET status = 'ready', ready_at = ?"
        " WHERE id = ? AND status = 'provisioning' AND room_id IS NOT NULL",
        (iso(utc_now()), match_id),
    )
    return cursor.rowcount == 1


async def close_open_for_user(conn: Connection, user_id: int) -> list[Match]:
    """Close every open match of one person; returns them as they were."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM matches WHERE (user_low = ? OR user_high = ? OR user_third = ?)"
        " AND status <> 'closed'",
        (user_id, user_id, user_id),
    )
    open_matches = [Match._from_row(row) for row in await cursor.fetchall()]
    await conn.execute(
        "UPDATE matches SET status = 'closed', closed_at = ?"
        " WHERE (user_low = ? OR user_high = ? OR user_third = ?) AND status <> 'closed'",
        (iso(utc_now()), user_id, user_id, user_id),
    )
    return open_matches


async def by_room(conn: Connection, room_id: str) -> Match | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM matches WHERE room_id = ?", (room_id,))
    row = await cursor.fetchone()
    return Match._from_row(row) if row else None


async def recorded_rooms(conn: Connection, room_ids: list[str]) -> set[str]:
    """Those of ``room_ids`` that some match holds (the caller keeps the list short)."""
    if not room_ids:
        return set()
    marks = ", ".join("?" for _ in room_ids)
    cursor = await conn.execute(f"SELECT room_id FROM matches WHERE room_id IN ({marks})", tuple(room_ids))
    return {str(row[0]) for row in await cursor.fetchall()}


async def close(conn: Connection, match_id: int) -> bool:
    """Close one open match; False if it was already closed."""
    cursor = await conn.execute(
        "UPDATE matches SET status = 'closed', closed_at = ? WHERE id = ? AND status <> 'closed'",
        (iso(utc_now()), match_id),
    )
    return cursor.rowcount == 1


async def involving(conn: Connection, user_id: int) -> list[Match]:
    """Every match of a person, oldest first (their export)."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM matches WHERE user_low = ? OR user_high = ? OR user_third = ? ORDER BY id",
        (user_id, user_id, user_id),
    )
    return [Match._from_row(row) for row in await cursor.fetchall()]


async def open_pairs(conn: Connection) -> list[tuple[int, ...]]:
    """The members of every open match (a round keeps them apart)."""
    cursor = await conn.execute("SELECT user_low, user_high, user_third FROM matches WHERE status <> 'closed'")
    return [tuple(int(v) for v in row if v is not None) for row in await cursor.fetchall()]
