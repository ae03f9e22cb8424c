"""The ``bot_direct_rooms`` table: the one direct room the bot keeps with each person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "user_id, room_id, created_at"


@dataclass(frozen=True)
class DirectRoom:
    user_id: int
    room_id: str
    created_at: str

    @classmethod
    def _from_row(cls, row: Any) -> DirectRoom:
        return cls(*row)


async def for_user(conn: Connection, user_id: int) -> DirectRoom | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM bot_direct_rooms WHERE user_id = ?", (user_id,))
    row = await cursor.fetchone()
    return DirectRoom._from_row(row) if row else None


async def by_room(conn: Connection, room_id: str) -> DirectRoom | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM bot_direct_rooms WHERE room_id = ?", (room_id,))
    row = await cursor.fetchone()
    return DirectRoom._from_row(row) if row else None


async def recorded_rooms(conn: Connection, room_ids: list[str]) -> set[str]:
    """Those of ``room_ids`` that are someone's direct room (the caller keeps the list short)."""
    if not room_ids:
        return set()
    marks = ", ".join("?" for _ in room_ids)
    cursor = await conn.execute(f"SELECT room_id FROM bot_direct_rooms WHERE room_id IN ({marks})", tuple(room_ids))
    return {str(row[0]) for row in await cursor.fetchall()}


async def put(conn: Connection, user_id: int, room_id: str) -> None:
    """Make ``room_id`` the person's direct room, replacing any earlier one."""
    await conn.execute("DELETE FROM bot_direct_rooms WHERE room_id = ?", (room_id,))
    await conn.execute(
        f"INSERT INTO bot_direct_rooms ({_COLUMNS}) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET room_id = excluded.room_id, created_at = excluded.created_at",
        (user_id, room_id, iso(utc_now())),
    )


async def delete_room(conn: Connection, room_id: str) -> bool:
    cursor = await conn.execute("DELETE FROM bot_direct_rooms WHERE room_id = ?", (room_id,))
    return cursor.rowcount == 1


async def delete_for_user(conn: Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM bot_direct_rooms WHERE user_id = ?", (user_id,))
