"""v2: the matcher bot as an interface: blocks, reports, its direct rooms, its sync position.

- ``blocks``: a pair that may never find or request each other again.
- ``reports``: what people told the operator about a match.
- ``bot_direct_rooms``: the one direct room the bot keeps with each person.
- ``bot_sync``: where the bot's /sync stopped, so a restart resumes there.
- Indexes to find a match by its room and a person by their Matrix ID, the
  two look-ups every message the bot reads needs.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "bot: blocks, reports, bot direct rooms, bot sync token, room and Matrix ID indexes"

_STATEMENTS = [
    """
    CREATE TABLE blocks (
        -- The pair in canonical order: one row however many times, by
        -- whichever of the two, it is blocked.
        user_low INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        user_high INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        blocker_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_low, user_high),
        CHECK (user_low < user_high)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        reporter_id INTEGER NOT NULL REFERENCES users (id),
        reported_id INTEGER NOT NULL REFERENCES users (id),
        match_id INTEGER REFERENCES matches (id),
        reason TEXT NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX reports_recent ON reports (created_at)",
    """
    CREATE TABLE bot_direct_rooms (
        user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        room_id TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE bot_sync (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        next_batch TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX matches_by_room ON matches (room_id) WHERE room_id IS NOT NULL",
    "CREATE INDEX users_by_matrix_id ON users (matrix_user_id) WHERE matrix_user_id IS NOT NULL",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
