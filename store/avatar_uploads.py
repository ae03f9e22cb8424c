"""The ``avatar_uploads`` table: when each person uploaded a picture."""

from __future__ import annotations

from store.connection import Connection


async def add(conn: Connection, user_id: int, at: str) -> None:
    await conn.execute("INSERT INTO avatar_uploads (user_id, uploaded_at) VALUES (?, ?)", (user_id, at))


async def since(conn: Connection, user_id: int, start: str) -> list[str]:
    """The person's upload times from ``start`` on, oldest first."""
    cursor = await conn.execute(
        "SELECT uploaded_at FROM avatar_uploads WHERE user_id = ? AND uploaded_at >= ? ORDER BY uploaded_at",
        (user_id, start),
    )
    return [str(row[0]) for row in await cursor.fetchall()]


async def prune(conn: Connection, user_id: int, before: str) -> None:
    await conn.execute("DELETE FROM avatar_uploads WHERE user_id = ? AND uploaded_at < ?", (user_id, before))


async def delete_for_user(conn: Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM avatar_uploads WHERE user_id = ?", (user_id,))
