"""v11: the bot's durable work after a state change, and direct-room attempts.

``bot_jobs`` holds what the bot must do on the homeserver once a change has
committed: empty and leave a closed match's room, and each notice in a
person's direct room. A table of its own rather than more kinds in ``jobs``:
``jobs`` is keyed one job per (kind, match) with a required match, and the
room worker takes every queued row of it, so widening it would mean
rebuilding the table on SQLite and teaching the room worker to skip rows.
Here a job names whatever it is about (a person, a match, a request; each
nullable) and carries the rest in a small JSON ``payload``.

``direct_room_attempts`` notes, before the bot asks the homeserver for a
person's direct room, that it is about to: after a crash between the
homeserver making the room and Kindred recording it, the note says to look
for that room (marked in its ``m.room.create``) instead of making another.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "bot_jobs: durable notices and room closing; direct_room_attempts"

_STATEMENTS = [
    """
    CREATE TABLE bot_jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        user_id INTEGER,
        match_id INTEGER,
        request_id INTEGER,
        payload TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        run_after TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX bot_jobs_due ON bot_jobs (state, run_after)",
    "CREATE INDEX bot_jobs_match ON bot_jobs (match_id, state)",
    """
    CREATE TABLE direct_room_attempts (
        user_id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL
    )
    """,
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
