"""Matrix ID links: verified Matrix IDs people brought from other servers.

Stored in the table ``matrix_links``, its name from before the feature had one
name; renaming a table needs a migration on every install, which a name is
not worth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.dialect import storable
from store.timeutil import iso, utc_now

_COLUMNS = "user_id, matrix_user_id, room_id, verified_at"


@dataclass(frozen=True)
class MatrixLink:
    user_id: int
    matrix_user_id: str
    room_id: str | None
    verified_at: str

    @classmethod
    def _from_row(cls, row: Any) -> MatrixLink:
        return cls(*row)


async def for_user(conn: Connection, user_id: int) -> MatrixLink | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM matrix_links WHERE user_id = ?", (user_id,))
    row = await cursor.fetchone()
    return MatrixLink._from_row(row) if row else None


async def for_users(conn: Connection, user_ids: list[int]) -> dict[int, MatrixLink]:
    if not user_ids:
        return {}
    marks = ",".join("?" * len(user_ids))
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM matrix_links WHERE user_id IN ({marks})", user_ids)
    return {row[0]: MatrixLink._from_row(row) for row in await cursor.fetchall()}


async def by_matrix_id(conn: Connection, matrix_user_id: str) -> MatrixLink | None:
    if not storable(matrix_user_id):
        return None
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM matrix_links WHERE matrix_user_id = ?", (matrix_user_id,))
    row = await cursor.fetchone()
    return MatrixLink._from_row(row) if row else None


async def put(conn: Connection, user_id: int, matrix_user_id: str, room_id: str | None) -> None:
    """Link (or re-link) the person to ``matrix_user_id``; the UNIQUE column
    refuses an ID that someone else holds."""
    await conn.execute(
        f"INSERT INTO matrix_links ({_COLUMNS}) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET matrix_user_id = excluded.matrix_user_id,"
        " room_id = excluded.room_id, verified_at = excluded.verified_at",
        (user_id, matrix_user_id, room_id, iso(utc_now())),
    )


async def delete(conn: Connection, user_id: int) -> bool:
    cursor = await conn.execute("DELETE FROM matrix_links WHERE user_id = ?", (user_id,))
    return cursor.rowcount == 1
