"""v7: operators work through reports: when one was resolved, and by whom."""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "reports: resolved_at and resolved_by, an index of open reports"

_STATEMENTS = [
    "ALTER TABLE reports ADD COLUMN resolved_at TEXT",
    "ALTER TABLE reports ADD COLUMN resolved_by TEXT",
    "CREATE INDEX reports_open ON reports (id) WHERE resolved_at IS NULL",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
