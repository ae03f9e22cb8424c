"""The ``direct_room_attempts`` table: direct rooms the bot asked for and has
not yet recorded (a row left behind means a crash may have made one)."""

from __future__ import annotations

from store.connection import Connection
from store.timeutil import iso, utc_now


async def start(conn: Connection, user_id: int) -> None:
    await conn.execute(
        "INSERT INTO direct_room_attempts (user_id, started_at) VALUES (?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET started_at = excluded.started_at",
        (user_id, iso(utc_now())),
    )


async def exists(conn: Connection, user_id: int) -> bool:
    cursor = await conn.execute("SELECT 1 FROM direct_room_attempts WHERE user_id = ?", (user_id,))
    return await cursor.fetchone() is not None


async def clear(conn: Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM direct_room_attempts WHERE user_id = ?", (user_id,))
