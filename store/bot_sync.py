"""The ``bot_sync`` table: the one row saying where the bot's /sync stopped."""

from __future__ import annotations

from store.connection import Connection
from store.timeutil import iso, utc_now


async def get(conn: Connection) -> str | None:
    cursor = await conn.execute("SELECT next_batch FROM bot_sync WHERE id = 1")
    row = await cursor.fetchone()
    return str(row[0]) if row else None


async def put(conn: Connection, next_batch: str) -> None:
    await conn.execute(
        "INSERT INTO bot_sync (id, next_batch, updated_at) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET next_batch = excluded.next_batch, updated_at = excluded.updated_at",
        (next_batch, iso(utc_now())),
    )
