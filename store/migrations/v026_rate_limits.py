"""v26: attempts counted for the per-address signup and login limits.

They were counted in each process's memory; with several ``kindred web``
processes on one store an address could make its allowance once per process.
One row per attempt let through: which limit, whose address, when (ISO-8601
UTC text, like every other timestamp). Rows older than a limit's window are
pruned as new attempts come in.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "rate_limit_hits: one row per signup or login attempt, for the per-address limits"

_STATEMENTS = [
    """
    CREATE TABLE rate_limit_hits (
        scope TEXT NOT NULL,
        subject TEXT NOT NULL,
        hit_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX rate_limit_hits_by_subject ON rate_limit_hits (scope, subject, hit_at)",
    "CREATE INDEX rate_limit_hits_by_age ON rate_limit_hits (scope, hit_at)",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
