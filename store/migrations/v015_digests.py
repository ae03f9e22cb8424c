"""v15: digest mail for people who rarely open Matrix.

One row per person who chose a digest (``daily`` or ``weekly``); no row is
``off``. ``last_sent_at`` is when the digest was last considered for them,
sent or not, so each period is looked at once and what it lists is what came
since. A table of its own rather than columns on ``users``: only the few who
opt in have a row, and the digest worker scans just those.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "digest_settings: who gets a daily or weekly digest mail, and when it was last sent"

_STATEMENTS = [
    """
    CREATE TABLE digest_settings (
        user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        frequency TEXT NOT NULL,
        last_sent_at TEXT NOT NULL
    )
    """,
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
