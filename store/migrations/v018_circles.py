"""v18: circles, group rooms about one interest.

- ``circles``: one row per circle. ``name_key`` is the case-folded name,
  unique per interest, so "Esperanto" and "ESPERANTO" cannot both exist for
  one interest. ``seats`` counts the members holding a place (joining or
  joined): a join takes a seat with one conditional UPDATE
  (``seats < member_cap``), which holds the cap under parallel joins on
  either database without a table lock. ``room_id`` is None until the
  homeserver made the room (the circle is then "opening").
- ``circle_members``: one row per person who ever was in a circle: their role
  (owner, moderator, member) and state (joining -> joined -> leaving -> left,
  or removed / banned). The row stays after they go, so a ban is remembered.
- ``circle_jobs``: the homeserver work owed after a committed change (make
  the room, join, leave, kick, ban, unban, roles, name, archive), run in
  order per circle by the circle worker and retried until the homeserver
  takes it.
- ``circle_space``: the one Kindred Space all circles sit in, made once.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "circles: group rooms per interest, their members, jobs and the Space"

_STATEMENTS = [
    """
    CREATE TABLE circles (
        id INTEGER PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        interest_id INTEGER NOT NULL REFERENCES interests (id),
        description TEXT NOT NULL DEFAULT '',
        member_cap INTEGER NOT NULL,
        seats INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
        room_id TEXT UNIQUE,
        created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        last_activity_at TEXT NOT NULL,
        CHECK (seats <= member_cap)
    )
    """,
    "CREATE UNIQUE INDEX circles_name_per_interest ON circles (interest_id, name_key)",
    "CREATE INDEX circles_status ON circles (status, last_activity_at)",
    """
    CREATE TABLE circle_members (
        circle_id INTEGER NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('owner', 'moderator', 'member')),
        state TEXT NOT NULL CHECK (state IN ('joining', 'joined', 'leaving', 'left', 'removed', 'banned')),
        reason TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (circle_id, user_id)
    )
    """,
    "CREATE INDEX circle_members_user ON circle_members (user_id, state)",
    "CREATE INDEX circle_members_listing ON circle_members (circle_id, state, role)",
    """
    CREATE TABLE circle_jobs (
        id INTEGER PRIMARY KEY,
        circle_id INTEGER NOT NULL REFERENCES circles (id) ON DELETE CASCADE,
        user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        run_after TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX circle_jobs_queue ON circle_jobs (state, circle_id, id)",
    """
    CREATE TABLE circle_space (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        room_id TEXT NOT NULL,
        created_at TEXT NOT NULL
    )
    """,
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
