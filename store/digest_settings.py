"""The ``digest_settings`` table: who gets a digest mail, and how often."""

from __future__ import annotations

from store.connection import Connection
from store.timeutil import iso, utc_now


async def get(conn: Connection, user_id: int) -> str | None:
    cursor = await conn.execute("SELECT frequency FROM digest_settings WHERE user_id = ?", (user_id,))
    row = await cursor.fetchone()
    return str(row[0]) if row else None


async def put(conn: Connection, user_id: int, frequency: str) -> None:
    """Choose a frequency; the first digest covers what comes from now on."""
    await conn.execute("DELETE FROM digest_settings WHERE user_id = ?", (user_id,))
    await conn.execute(
        "INSERT INTO digest_settings (user_id, frequency, last_sent_at) VALUES (?, ?, ?)",
        (user_id, frequency, iso(utc_now())),
    )


async def delete(conn: Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM digest_settings WHERE user_id = ?", (user_id,))


async def due(conn: Connection, daily_before: str, weekly_before: str, limit: int) -> list[tuple[int, str]]:
    """(user id, last sent) of active people with a verified address whose period is over."""
    cursor = await conn.execute(
        "SELECT d.user_id, d.last_sent_at FROM digest_settings d JOIN users u ON u.id = d.user_id"
        " WHERE u.status = 'active' AND u.email_verified_at IS NOT NULL"
        " AND ((d.frequency = 'daily' AND d.last_sent_at <= ?) OR (d.frequency = 'weekly' AND d.last_sent_at <= ?))"
        " ORDER BY d.last_sent_at LIMIT ?",
        (daily_before, weekly_before, limit),
    )
    return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]


async def mark_sent(conn: Connection, user_id: int, at: str) -> None:
    await conn.execute("UPDATE digest_settings SET last_sent_at = ? WHERE user_id = ?", (at, user_id))
