"""v27: a clock of changes to what the ranking reads, kept by triggers.

Each web process ranks from an index of interests in its own memory
(domain/interest_index.py). To stay exact it must learn of every change to
anyone's interests or standing, whichever process made it, before its next
ranking. The triggers count such changes on a clock (one row) and note the
person changed with the clock's value. A process reads the clock before it
ranks; when it has moved, the people noted since are read again.

On PostgreSQL the clock is advanced by a deferred trigger, at commit: the
clock's row lock then orders commits as the clock counts them (a reader that
sees value c has every change up to c committed), and is held only for the
commit itself. A rolled-back change rolls the clock back with it, so values
never skip. SQLite has one writer at a time, which gives the same order.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "ranking_clock, ranking_changes: changes to interests and standing, for the ranking index"

_TABLES = [
    "CREATE TABLE ranking_clock (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)",
    "INSERT INTO ranking_clock (id, seq) VALUES (1, 0)",
    # One row per person ever changed (not per change): the table never
    # outgrows the users table and needs no pruning.
    "CREATE TABLE ranking_changes (user_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)",
    "CREATE INDEX ranking_changes_by_seq ON ranking_changes (seq)",
    # The ranking reads a person's blocks from both ends of the pair.
    "CREATE INDEX blocks_by_high ON blocks (user_high)",
]

# (An INSERT ... SELECT takes an upsert clause only after a WHERE, in SQLite.)
_NOTE = (
    "UPDATE ranking_clock SET seq = seq + 1;"
    " INSERT INTO ranking_changes (user_id, seq) SELECT {who}, seq FROM ranking_clock WHERE true"
    " ON CONFLICT (user_id) DO UPDATE SET seq = excluded.seq;"
)

_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER ranking_interest_added AFTER INSERT ON user_interests BEGIN {_NOTE.format(who='NEW.user_id')} END",
    f"CREATE TRIGGER ranking_interest_removed AFTER DELETE ON user_interests"
    f" BEGIN {_NOTE.format(who='OLD.user_id')} END",
    f"CREATE TRIGGER ranking_user_added AFTER INSERT ON users BEGIN {_NOTE.format(who='NEW.id')} END",
    f"CREATE TRIGGER ranking_user_removed AFTER DELETE ON users BEGIN {_NOTE.format(who='OLD.id')} END",
    f"CREATE TRIGGER ranking_user_status AFTER UPDATE OF status ON users WHEN OLD.status <> NEW.status"
    f" BEGIN {_NOTE.format(who='NEW.id')} END",
]

_POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION ranking_note() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        who BIGINT;
        now_seq BIGINT;
    BEGIN
        IF TG_TABLE_NAME = 'users' THEN
            IF TG_OP = 'DELETE' THEN who := OLD.id; ELSE who := NEW.id; END IF;
        ELSE
            IF TG_OP = 'DELETE' THEN who := OLD.user_id; ELSE who := NEW.user_id; END IF;
        END IF;
        UPDATE ranking_clock SET seq = seq + 1 RETURNING seq INTO now_seq;
        INSERT INTO ranking_changes (user_id, seq) VALUES (who, now_seq)
            ON CONFLICT (user_id) DO UPDATE SET seq = EXCLUDED.seq;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE CONSTRAINT TRIGGER ranking_interests AFTER INSERT OR DELETE ON user_interests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ranking_note()
    """,
    """
    CREATE CONSTRAINT TRIGGER ranking_users AFTER INSERT OR DELETE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ranking_note()
    """,
    """
    CREATE CONSTRAINT TRIGGER ranking_user_status AFTER UPDATE OF status ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION ranking_note()
    """,
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _TABLES:
        await conn.execute(ddl(statement, dialect))
    for statement in _POSTGRESQL_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        await conn.execute(statement)
