"""v19: who is online, as the homeserver last told the bot.

- ``presence``: one row per person the bot has heard about (or who chose to
  hide it): the homeserver's state (online, unavailable, offline), when they
  were last active, and ``hidden`` when they asked Kindred not to show it.
  Pages read it for many people in one query instead of asking the
  homeserver per person.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "presence: online state and last activity per person, and whether they hide it"

_STATEMENTS = [
    """
    CREATE TABLE presence (
        user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        state TEXT NOT NULL DEFAULT 'offline' CHECK (state IN ('online', 'unavailable', 'offline')),
        last_active_at TEXT,
        hidden INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    )
    """,
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
