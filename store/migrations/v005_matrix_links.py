"""v5: people's own Matrix IDs from other homeservers.

- ``matrix_links``: a verified Matrix ID a person brought from elsewhere. It
  stands beside ``users.matrix_user_id`` (the account on Kindred's own server,
  kept so that unlinking returns to it). One Matrix ID, one Kindred person.
- ``matrix_link_codes``: a link waiting for its proof: the code's hash, its
  expiry, the tries left, and the direct room the bot sent it to.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "matrix links: verified external Matrix IDs and pending link codes"

_STATEMENTS = [
    """
    CREATE TABLE matrix_links (
        user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        matrix_user_id TEXT NOT NULL UNIQUE,
        -- The bot's direct room with this ID (where the code went).
        room_id TEXT,
        verified_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE matrix_link_codes (
        user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        matrix_user_id TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        room_id TEXT,
        tries_left INTEGER NOT NULL,
        expires_at TEXT NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX matrix_link_codes_by_room ON matrix_link_codes (room_id) WHERE room_id IS NOT NULL",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
