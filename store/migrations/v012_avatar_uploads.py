"""v12: when each person uploaded pictures, for the hourly upload limit.

Every upload puts a new file in the homeserver's media repository; the limit
(``avatar_uploads_per_hour``) is counted here rather than in memory so that a
restart does not reopen it. Rows older than the window are pruned as the
person uploads again.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "avatar_uploads: one row per picture upload, for the hourly limit"

_STATEMENTS = [
    """
    CREATE TABLE avatar_uploads (
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        uploaded_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX avatar_uploads_by_user ON avatar_uploads (user_id, uploaded_at)",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
