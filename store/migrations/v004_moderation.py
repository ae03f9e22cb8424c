"""v4: operators (an admin flag on people) and the log of what they did."""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "moderation: users.is_admin, admin_actions log"

_STATEMENTS = [
    "ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0",
    """
    CREATE TABLE admin_actions (
        id INTEGER PRIMARY KEY,
        -- Who acted: a Kindred username, or 'command line' for the CLI.
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target_user_id INTEGER REFERENCES users (id),
        detail TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX admin_actions_recent ON admin_actions (created_at)",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
