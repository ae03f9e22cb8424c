"""The ``password_resets`` table: one-time reset tokens, stored hashed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "id, user_id, token_hash, expires_at, used_at, created_at"


@dataclass(frozen=True)
class PasswordReset:
    id: int
    user_id: int
    token_hash: str
    expires_at: str
    used_at: str | None
    created_at: str

    @classmethod
    def _from_row(cls, row: Any) -> PasswordReset:
        return cls(*row)


async def insert(conn: Connection, user_id: int, token_hash: str, expires_at: str) -> None:
    await conn.execute(
        "INSERT INTO password_resets (user_id, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?)",
        (user_id, token_hash, expires_at, iso(utc_now())),
    )


async def get_by_hash(conn: Connection, token_hash: str) -> PasswordReset | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM password_resets WHERE token_hash = ?", (token_hash,))
    row = await cursor.fetchone()
    return PasswordReset._from_row(row) if row else None


async def use(conn: Connection, reset_id: int) -> bool:
    """Spend a token; False when it was already spent (single use, even in a race)."""
    cursor = await conn.execute(
        "UPDATE password_resets SET used_at = ? WHERE id = ? AND used_at IS NULL", (iso(utc_now()), reset_id)
    )
    return cursor.rowcount == 1


async def use_all(conn: Connection, user_id: int) -> None:
    """Spend every open token of a person: a new password ends the others' use."""
    await conn.execute(
        "UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL", (iso(utc_now()), user_id)
    )


async def latest_at(conn: Connection, user_id: int) -> str | None:
    cursor = await conn.execute("SELECT MAX(created_at) FROM password_resets WHERE user_id = ?", (user_id,))
    row = await cursor.fetchone()
    return row[0] if row else None


async def unuse(conn: Connection, reset_id: int) -> None:
    """Give a token back when the homeserver could not take the new password."""
    await conn.execute("UPDATE password_resets SET used_at = NULL WHERE id = ?", (reset_id,))


async def delete_for_user(conn: Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM password_resets WHERE user_id = ?", (user_id,))
