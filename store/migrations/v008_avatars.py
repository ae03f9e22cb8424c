"""v8: profile pictures, one per person, kept in the database.

The image lives in a BLOB (BYTEA on PostgreSQL) beside its content type and digest rather than in
files: no path is ever built from input, and backups of the database carry
the pictures with them. Pictures are small (at most 2 MiB).
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "avatars: one profile picture per person (type, bytes, digest)"

_STATEMENTS = [
    """
    CREATE TABLE avatars (
        user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        content_type TEXT NOT NULL,
        data BLOB NOT NULL,
        digest TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
