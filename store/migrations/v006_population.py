"""v6: the count of active people, kept by triggers.

Suggestions weigh each interest by ln(1 + N / n), with N the number of active
people. Counting them per request scans the whole users table; the triggers
keep the count in the same transaction as the change, so it is never stale.
SQLite and PostgreSQL spell triggers differently; both keep the same count.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "population: the number of active people, kept by triggers, for IDF weights"

_TABLE = [
    "CREATE TABLE population (id INTEGER PRIMARY KEY CHECK (id = 1), active INTEGER NOT NULL)",
    "INSERT INTO population (id, active) SELECT 1, COUNT(*) FROM users WHERE status = 'active'",
]

_SQLITE_TRIGGERS = [
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

# One function for the three events: +1 for an active row arriving, -1 for
# one leaving, whichever statement did it.
_POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION population_track() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        change INTEGER := 0;
    BEGIN
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'active' THEN
            change := change + 1;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.status = 'active' THEN
            change := change - 1;
        END IF;
        IF change <> 0 THEN
            UPDATE population SET active = active + change;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER population_change AFTER INSERT OR DELETE OR UPDATE OF status ON users
    FOR EACH ROW EXECUTE FUNCTION population_track()
    """,
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _TABLE:
        await conn.execute(ddl(statement, dialect))
    for statement in _POSTGRESQL_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        await conn.execute(statement)
