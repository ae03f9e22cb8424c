"""The ``admin_actions`` table: every operator action, with who and when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now


@dataclass(frozen=True)
class AdminAction:
    id: int
    actor: str
    action: str
    target_username: str | None
    detail: str
    created_at: str

    @classmethod
    def _from_row(cls, row: Any) -> AdminAction:
        return cls(*row)


async def record(conn: Connection, actor: str, action: str, target_user_id: int | None, detail: str = "") -> None:
    await conn.execute(
        "INSERT INTO admin_actions (actor, action, target_user_id, detail, created_at) VALUES (?, ?, ?, ?, ?)",
        (actor, action, target_user_id, detail, iso(utc_now())),
    )


async def recent(conn: Connection, limit: int, offset: int = 0) -> list[AdminAction]:
    cursor = await conn.execute(
        "SELECT a.id, a.actor, a.action, u.username, a.detail, a.created_at"
        " FROM admin_actions a LEFT JOIN users u ON u.id = a.target_user_id"
        " ORDER BY a.id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [AdminAction._from_row(row) for row in await cursor.fetchall()]
