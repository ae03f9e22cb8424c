"""v6: the count of active people, kept by triggers.

Suggestions weigh each interest by ln(1 + N / n), with N the number of active
people. Counting them per request scans the whole users table; the triggers
keep the count in the same transaction as the change, so it is never stale.
"""

from __future__ import annotations

import aiosqlite

DESCRIPTION = "population: the number of active people, kept by triggers, for IDF weights"

_STATEMENTS = [
    "CREATE TABLE population (id INTEGER PRIMARY KEY CHECK (id = 1), active INTEGER NOT NULL)",
    "INSERT INTO population (id, active) SELECT 1, COUNT(*) FROM users WHERE status = 'active'",
    """
    CREATE TRIGGER population_insert AFTER INSERT ON users WHEN NEW.status = 'active'
    BEGIN UPDATE population SET active = active + 1; END
    """,
    """
    CREATE TRIGGER population_delete AFTER DELETE ON users WHEN OLD.status = 'active'
    BEGIN UPDATE population SET active = active - 1; END
    """,
    """
    CREATE TRIGGER population_status AFTER UPDATE OF status ON users
    WHEN (OLD.status = 'active') <> (NEW.status = 'active')
    BEGIN
        UPDATE population SET active = active + (CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END);
    END
    """,
]


async def upgrade(conn: aiosqlite.Connection) -> None:
    for statement in _STATEMENTS:
        await conn.execute(statement)
