"""v9: a block per direction, so both people of a pair can block each other.

v2 kept one row per pair, so a second block (by the other person) was lost,
and the first blocker's unblock lifted both. The pair stays in canonical
order (``user_low``, ``user_high``: one index answers "is there a block
between these two" whichever of them blocked), and ``blocker_id`` joins the
key. Existing rows are kept as they are: each is one person's block.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "blocks: one row per blocker and pair (both may block each other)"

_STATEMENTS = [
    """
    CREATE TABLE blocks_by_direction (
        user_low INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        user_high INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        blocker_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (user_low, user_high, blocker_id),
        CHECK (user_low < user_high),
        CHECK (blocker_id = user_low OR blocker_id = user_high)
    ) WITHOUT ROWID
    """,
    "INSERT INTO blocks_by_direction (user_low, user_high, blocker_id, created_at)"
    " SELECT user_low, user_high, blocker_id, created_at FROM blocks",
    "DROP TABLE blocks",
    "ALTER TABLE blocks_by_direction RENAME TO blocks",
    # "The blocks I made", newest first (Profile → blocked people).
    "CREATE INDEX blocks_by_blocker ON blocks (blocker_id, created_at)",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
