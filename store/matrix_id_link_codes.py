"""Matrix ID links waiting for their code. Only hashes of codes are stored.

Stored in the table ``matrix_link_codes`` (named before the feature had one
name; not worth a migration, see ``store.matrix_id_links``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "user_id, matrix_user_id, code_hash, room_id, tries_left, expires_at, created_at"


@dataclass(frozen=True)
class LinkCode:
    user_id: int
    matrix_user_id: str
    code_hash: str
    room_id: str | None
    tries_left: int
    expires_at: str
    created_at: str

    @classmethod
    def _from_row(cls, row: Any) -> LinkCode:
        return cls(*row)


async def for_user(conn: Connection, user_id: int) -> LinkCode | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM matrix_link_codes WHERE user_id = ?", (user_id,))
    row = await cursor.fetchone()
    return LinkCode._from_row(row) if row else None


async def by_room(conn: Connection, room_id: str) -> LinkCode | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM matrix_link_codes WHERE room_id = ?", (room_id,))
    row = await cursor.fetchone()
    return LinkCode._from_row(row) if row else None


async def put(
    conn: Connection,
    user_id: int,
    matrix_user_id: str,
    code_hash: str,
    tries: int,
    expires_at: str,
) -> None:
    """Start (or restart) the person's pending link; an earlier code stops working."""
    await conn.execute(
        f"INSERT INTO matrix_link_codes ({_COLUMNS}) VALUES (?, ?, ?, NULL, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET matrix_user_id = excluded.matrix_user_id,"
        " code_hash = excluded.code_hash, room_id = NULL, tries_left = excluded.tries_left,"
        " expires_at = excluded.expires_at, created_at = excluded.created_at",
        (user_id, matrix_user_id, code_hash, tries, expires_at, iso(utc_now())),
    )


async def set_room(conn: Connection, user_id: int, code_hash: str, room_id: str) -> None:
    await conn.execute(
        "UPDATE matrix_link_codes SET room_id = ? WHERE user_id = ? AND code_hash = ?",
        (room_id, user_id, code_hash),
    )


async def spend_try(conn: Connection, user_id: int) -> int:
    """Count one wrong code; returns the tries left."""
    # CASE, not SQLite's two-argument max(), which PostgreSQL lacks.
    await conn.execute(
        "UPDATE matrix_link_codes SET tries_left = CASE WHEN tries_left > 1 THEN tries_left - 1 ELSE 0 END"
        " WHERE user_id = ?",
        (user_id,),
    )
    cursor = await conn.execute("SELECT tries_left FROM matrix_link_codes WHERE user_id = ?", (user_id,))
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def delete(conn: Connection, user_id: int, code_hash: str | None = None) -> None:
    """Drop the pending link; with ``code_hash``, only if it is still that code."""
    if code_hash is None:
        await conn.execute("DELETE FROM matrix_link_codes WHERE user_id = ?", (user_id,))
    else:
        await conn.execute("DELETE FROM matrix_link_codes WHERE user_id = ? AND code_hash = ?", (user_id, code_hash))
