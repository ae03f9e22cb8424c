"""The ``users`` table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.dialect import storable
from store.timeutil import iso, utc_now

_COLUMNS = "id, username, password_hash, display_name, bio, matrix_user_id, status, created_at, is_admin"


# Case-blind matching, as SQLite's LIKE does for ASCII; PostgreSQL's LIKE
# does not, so both sides are lowered in SQL.
_MATCHES = "lower({}) LIKE lower(?) ESCAPE '\\'"


def _contains(query: str) -> str:
    """A LIKE pattern matching ``query`` literally anywhere (escape is '\\')."""
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    password_hash: str
    display_name: str
    bio: str
    matrix_user_id: str | None
    status: str
    created_at: str
    is_admin: bool = False

    @classmethod
    def _from_row(cls, row: Any) -> User:
        id_, username, password_hash, display_name, bio, matrix_user_id, status, created_at, is_admin = row
        return cls(id_, username, password_hash, display_name, bio, matrix_user_id, status, created_at, bool(is_admin))


async def insert_pending(conn: Connection, username: str, password_hash: str, display_name: str) -> int:
    cursor = await conn.execute(
        "INSERT INTO users (username, password_hash, display_name, status, created_at)"
        " VALUES (?, ?, ?, 'pending', ?) RETURNING id",
        (username, password_hash, display_name, iso(utc_now())),
    )
    row = await cursor.fetchone()
    return int(row[0])


async def activate(
    conn: Connection, user_id: int, matrix_user_id: str | None, password_hash: str | None = None
) -> None:
    """Make the reservation a person; ``matrix_user_id`` is None for people
    who use a Matrix ID from another server (see ``matrix_id_links``). A given
    ``password_hash`` replaces the one reserved with."""
    await conn.execute(
        "UPDATE users SET status = 'active', matrix_user_id = ?,"
        " password_hash = COALESCE(?, password_hash) WHERE id = ?",
        (matrix_user_id, password_hash, user_id),
    )


async def delete(conn: Connection, user_id: int) -> None:
    await conn.execute("DELETE FROM users WHERE id = ?", (user_id,))


async def get(conn: Connection, user_id: int) -> User | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,))
    row = await cursor.fetchone()
    return User._from_row(row) if row else None


async def get_by_username(conn: Connection, username: str) -> User | None:
    if not storable(username):
        return None
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM users WHERE username = ?", (username,))
    row = await cursor.fetchone()
    return User._from_row(row) if row else None


async def get_many(conn: Connection, user_ids: list[int]) -> dict[int, User]:
    if not user_ids:
        return {}
    marks = ",".join("?" * len(user_ids))
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id IN ({marks})", user_ids)
    return {row[0]: User._from_row(row) for row in await cursor.fetchall()}


async def update_profile(conn: Connection, user_id: int, display_name: str, bio: str) -> None:
    await conn.execute(
        "UPDATE users SET display_name = ?, bio = ? WHERE id = ?",
        (display_name, bio, user_id),
    )


async def search(conn: Connection, query: str, exclude_id: int, limit: int) -> list[User]:
    """Active people whose username or display name contains ``query``."""
    if not storable(query):
        return []
    pattern = _contains(query)
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM users"
        " WHERE status = 'active' AND id <> ?"
        f" AND ({_MATCHES.format('username')} OR {_MATCHES.format('display_name')})"
        # Exact and prefix hits first: what someone typing a name expects.
        f" ORDER BY (username = ?) DESC, ({_MATCHES.format('username')}) DESC, username"
        " LIMIT ?",
        (exclude_id, pattern, pattern, query, pattern[1:], limit),
    )
    return [User._from_row(row) for row in await cursor.fetchall()]


async def set_status(conn: Connection, user_id: int, status: str) -> None:
    await conn.execute("UPDATE users SET status = ? WHERE id = ?", (status, user_id))


async def set_admin(conn: Connection, user_id: int, is_admin: bool) -> None:
    await conn.execute("UPDATE users SET is_admin = ? WHERE id = ?", (int(is_admin), user_id))


async def page(conn: Connection, query: str, limit: int, offset: int) -> list[User]:
    """Everyone (any status) for operators, optionally filtered by name."""
    if not storable(query):
        return []
    pattern = _contains(query)
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM users"
        f" WHERE {_MATCHES.format('username')} OR {_MATCHES.format('display_name')}"
        " ORDER BY id DESC LIMIT ? OFFSET ?",
        (pattern, pattern, limit, offset),
    )
    return [User._from_row(row) for row in await cursor.fetchall()]


async def get_by_matrix_id(conn: Connection, matrix_user_id: str) -> User | None:
    if not storable(matrix_user_id):
        return None
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM users WHERE matrix_user_id = ?", (matrix_user_id,))
    row = await cursor.fetchone()
    return User._from_row(row) if row else None
