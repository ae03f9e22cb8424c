"""The ``avatars`` table: one profile picture per person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "user_id, content_type, data, digest, updated_at"


@dataclass(frozen=True)
class Avatar:
    user_id: int
    content_type: str
    data: bytes
    digest: str
    updated_at: str

    @classmethod
    def _from_row(cls, row: Any) -> Avatar:
        return cls(row[0], row[1], bytes(row[2]), row[3], row[4])


async def put(conn: Connection, user_id: int, content_type: str, data: bytes, digest: str) -> None:
    """Store the person's picture, replacing any earlier one."""
    await conn.execute(
        f"INSERT INTO avatars ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type,"
        " data = excluded.data, digest = excluded.digest, updated_at = excluded.updated_at",
        (user_id, content_type, data, digest, iso(utc_now())),
    )


async def delete(conn: Connection, user_id: int) -> bool:
    """Remove the person's picture; whether there was one."""
    cursor = await conn.execute("DELETE FROM avatars WHERE user_id = ?", (user_id,))
    return cursor.rowcount > 0


async def get(conn: Connection, user_id: int) -> Avatar | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM avatars WHERE user_id = ?", (user_id,))
    row = await cursor.fetchone()
    return Avatar._from_row(row) if row else None


async def digests_by_username(conn: Connection, usernames: list[str]) -> dict[str, str]:
    """username -> digest for those of ``usernames`` with a picture (the
    bytes stay on disk: lists only need to know whether, and which version)."""
    if not usernames:
        return {}
    marks = ",".join("?" * len(usernames))
    cursor = await conn.execute(
        f"SELECT u.username, a.digest FROM avatars a JOIN users u ON u.id = a.user_id WHERE u.username IN ({marks})",
        usernames,
    )
    return {row[0]: row[1] for row in await cursor.fetchall()}
