"""The ``email_codes`` table: one live code per person and purpose, hashed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "id, user_id, purpose, email, code_hash, tries_left, expires_at, created_at"

# Proving the address given at signup (or later without a change pending).
VERIFY = "verify"
# Proving a new address before it replaces the old one.
CHANGE = "change"


@dataclass(frozen=True)
class EmailCode:
    id: int
    user_id: int
    purpose: str
    email: str
    code_hash: str
    tries_left: int
    expires_at: str
    created_at: str

    @classmethod
    def _from_row(cls, row: Any) -> EmailCode:
        return cls(*row)


async def replace(
    conn: Connection, user_id: int, purpose: str, email: str, code_hash: str, tries: int, expires_at: str
) -> None:
    """Store a new code, dropping the person's earlier one for this purpose."""
    await conn.execute("DELETE FROM email_codes WHERE user_id = ? AND purpose = ?", (user_id, purpose))
    await conn.execute(
        "INSERT INTO email_codes (user_id, purpose, email, code_hash, tries_left, expires_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (user_id, purpose, email, code_hash, tries, expires_at, iso(utc_now())),
    )


async def get(conn: Connection, user_id: int, purpose: str) -> EmailCode | None:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM email_codes WHERE user_id = ? AND purpose = ?", (user_id, purpose)
    )
    row = await cursor.fetchone()
    return EmailCode._from_row(row) if row else None


async def spend_try(conn: Connection, code_id: int) -> int:
    """Count a wrong guess; returns the tries left."""
    cursor = await conn.execute(
        "UPDATE email_codes SET tries_left = tries_left - 1 WHERE id = ? AND tries_left > 0 RETURNING tries_left",
        (code_id,),
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def delete(conn: Connection, code_id: int) -> None:
    await conn.execute("DELETE FROM email_codes WHERE id = ?", (code_id,))


async def delete_for_user(conn: Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM email_codes WHERE user_id = ?", (user_id,))
