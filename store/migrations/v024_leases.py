"""v24: leases, so that of several ``kindred bot`` processes exactly one acts.

One row per role (``bot``): who holds it and until when. The holder renews it
well inside its lifetime; another process takes it only once it has expired
(domain/leases.py). Times are ISO-8601 UTC text, like every other timestamp.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "leases: one holder per role (the bot), renewed before it expires"

_TABLE = """
CREATE TABLE leases (
    role TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
)
"""


async def upgrade(conn: Any, dialect: str) -> None:
    await conn.execute(ddl(_TABLE, dialect))
