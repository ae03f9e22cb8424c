"""v17: introductions on a schedule (rounds) and the check-ins that follow them.

- ``round_settings``: one row per person who ever opted in. ``last_round_week``
  (the Monday, in their time zone, of the last round they were introduced in)
  anchors the cadence; ``priority`` lifts someone left unpaired to the front
  of the next round; ``no_shows`` counts partners who said they never came,
  and moves them back in the order.
- ``rounds``: one row per round, claimed by inserting its unique ``slot`` in
  one transaction, so a slot runs once however many times it is looked at.
  ``status`` (claimed -> planned -> done) lets a round interrupted by a crash
  resume where it stopped.
- ``round_entrants``: who was in a round and what became of them (their
  group, or why they stayed unpaired); it answers "the last N rounds either
  was in" for the repeat window.
- ``round_groups``: a pair or trio of a round and the match it became.
- ``checkins``: "did you meet?", asked of each person of a round's match.
- ``matches.user_third``: a round with an odd count makes one trio; the
  match keeps its pair in ``user_low``/``user_high`` and the third here.
- ``requests.via_round``: a round's match needs a request row (every match
  has one); it is made already accepted and marked, so request lists skip it.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "rounds: scheduled introductions, their groups, check-ins, trios"

_STATEMENTS = [
    """
    CREATE TABLE round_settings (
        user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        enabled INTEGER NOT NULL DEFAULT 1,
        cadence TEXT NOT NULL CHECK (cadence IN ('weekly', 'fortnightly', 'four_weekly')),
        timezone TEXT NOT NULL,
        paused_until TEXT,
        skip_next INTEGER NOT NULL DEFAULT 0,
        last_round_week TEXT,
        priority INTEGER NOT NULL DEFAULT 0,
        no_shows INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX round_settings_enabled ON round_settings (enabled, timezone)",
    """
    CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        slot TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('claimed', 'planned', 'done')),
        due_count INTEGER NOT NULL DEFAULT 0,
        paired_count INTEGER NOT NULL DEFAULT 0,
        trio_count INTEGER NOT NULL DEFAULT 0,
        unpaired_count INTEGER NOT NULL DEFAULT 0,
        method TEXT NOT NULL DEFAULT '',
        total_weight DOUBLE PRECISION NOT NULL DEFAULT 0,
        claimed_at TEXT NOT NULL,
        planned_at TEXT,
        done_at TEXT
    )
    """,
    "CREATE INDEX rounds_status ON rounds (status)",
    """
    CREATE TABLE round_groups (
        id INTEGER PRIMARY KEY,
        round_id INTEGER NOT NULL REFERENCES rounds (id),
        weight DOUBLE PRECISION NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('planned', 'matched', 'dropped')),
        match_id INTEGER REFERENCES matches (id)
    )
    """,
    "CREATE INDEX round_groups_round ON round_groups (round_id, state)",
    "CREATE UNIQUE INDEX round_groups_match ON round_groups (match_id)",
    """
    CREATE TABLE round_entrants (
        round_id INTEGER NOT NULL REFERENCES rounds (id),
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        group_id INTEGER REFERENCES round_groups (id),
        unpaired_reason TEXT,
        PRIMARY KEY (round_id, user_id)
    )
    """,
    "CREATE INDEX round_entrants_user ON round_entrants (user_id, round_id)",
    "CREATE INDEX round_entrants_group ON round_entrants (group_id)",
    """
    CREATE TABLE checkins (
        match_id INTEGER NOT NULL REFERENCES matches (id),
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        met INTEGER,
        asked_at TEXT,
        reminded_at TEXT,
        answered_at TEXT,
        PRIMARY KEY (match_id, user_id)
    )
    """,
    "CREATE INDEX checkins_user ON checkins (user_id)",
    "ALTER TABLE matches ADD COLUMN user_third INTEGER REFERENCES users (id)",
    "CREATE INDEX matches_by_third ON matches (user_third, status)",
    "ALTER TABLE requests ADD COLUMN via_round INTEGER NOT NULL DEFAULT 0",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
