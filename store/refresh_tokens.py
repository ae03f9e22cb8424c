"""The ``refresh_tokens`` table. Only hashes of tokens are stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "id, user_id, token_hash, family, expires_at, used_at, revoked_at, created_at, successor_seal"


@dataclass(frozen=True)
class RefreshToken:
    id: int
    user_id: int
    token_hash: str
    family: str
    expires_at: str
    used_at: str | None
    revoked_at: str | None
    created_at: str
    # The successor, sealed with this token (see domain.sessions); None until used.
    successor_seal: str | None

    @classmethod
    def _from_row(cls, row: Any) -> RefreshToken:
        return cls(*row)


async def insert(conn: Connection, user_id: int, token_hash: str, family: str, expires_at: str) -> None:
    await conn.execute(
        "INSERT INTO refresh_tokens (user_id, token_hash, family, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
        (user_id, token_hash, family, expires_at, iso(utc_now())),
    )


async def get_by_hash(conn: Connection, token_hash: str) -> RefreshToken | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM refresh_tokens WHERE token_hash = ?", (token_hash,))
    row = await cursor.fetchone()
    return RefreshToken._from_row(row) if row else None


async def mark_used(conn: Connection, token_id: int, successor_seal: str) -> bool:
    """Mark a token used, keeping its sealed successor; False when it already was."""
    cursor = await conn.execute(
        "UPDATE refresh_tokens SET used_at = ?, successor_seal = ? WHERE id = ? AND used_at IS NULL",
        (iso(utc_now()), successor_seal, token_id),
    )
    return cursor.rowcount == 1


async def revoke_family(conn: Connection, family: str) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL",
        (iso(utc_now()), family),
    )


async def revoke_user(conn: Connection, user_id: int) -> None:
    await conn.execute(
        "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        (iso(utc_now()), user_id),
    )


async def delete_user(conn: Connection, user_id: int) -> None:
    """Forget every refresh token of a person (an account that is deleted)."""
    await conn.execute("DELETE FROM refresh_tokens WHERE user_id = ?", (user_id,))
