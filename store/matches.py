"""The ``matches`` table: two people who agreed to talk, and their room."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "id, request_id, user_low, user_high, status, room_id, created_at, ready_at, closed_at"


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

    @classmethod
    def _from_row(cls, row: Any) -> Match:
        return cls(*row)

    def other(self, user_id: int) -> int:
        return self.user_high if user_id == self.user_low else self.user_low

    def involves(self, user_id: int) -> bool:
        return user_id in (self.user_low, self.user_high)


async def insert(conn: Connection, request_id: int, a: int, b: int) -> int:
    cursor = await conn.execute(
        "INSERT INTO matches (request_id, user_low, user_high, status, created_at)"
        " VALUES (?, ?, ?, 'provisioning', ?) RETURNING id",
        (request_id, min(a, b), max(a, b), iso(utc_now())),
    )
    row = await cursor.fetchone()
    return int(row[0])


async def get(conn: Connection, match_id: int) -> Match | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM matches WHERE id = ?", (match_id,))
    row = await cursor.fetchone()
    return Match._from_row(row) if row else None


async def open_between(conn: Connection, a: int, b: int) -> Match | None:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM matches WHERE user_low = ? AND user_high = ? AND status <> 'closed'",
        (min(a, b), max(a, b)),
    )
    row = await cursor.fetchone()
    return Match._from_row(row) if row else None


async def list_for_user(conn: Connection, user_id: int, limit: int, offset: int = 0) -> list[Match]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM matches WHERE user_low = ?"
        f" UNION ALL SELECT {_COLUMNS} FROM matches WHERE user_high = ?"
        " ORDER BY id DESC LIMIT ? OFFSET ?",
        (user_id, user_id, limit, offset),
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
        f"SELECT {_COLUMNS} FROM matches WHERE (user_low = ? OR user_high = ?) AND status <> 'closed'",
        (user_id, user_id),
    )
    open_matches = [Match._from_row(row) for row in await cursor.fetchall()]
    await conn.execute(
        "UPDATE matches SET status = 'closed', closed_at = ?"
        " WHERE (user_low = ? OR user_high = ?) AND status <> 'closed'",
        (iso(utc_now()), user_id, user_id),
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
        f"SELECT {_COLUMNS} FROM matches WHERE user_low = ? OR user_high = ? ORDER BY id", (user_id, user_id)
    )
    return [Match._from_row(row) for row in await cursor.fetchall()]
