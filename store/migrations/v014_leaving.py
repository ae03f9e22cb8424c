"""v14: leaving Kindred: deleted accounts, and the Matrix accounts they close.

- A deleted account keeps its ``users`` row, as status ``deleted`` with
  ``deleted_at``, and everything personal in it is blanked: the password
  hash, the bio, the email address, the Matrix ID, and the display name
  (which becomes the username, the one thing kept). The row is kept rather
  than moved to a table of retired names because other people's history
  points at it: requests, matches, reports and the operators' log refer to
  ``users (id)`` with no cascade, and the partner's closed match, the
  requests they sent or received and the reports about the person must go
  on naming someone. Kept, the row also retires the name for ever with what
  already exists: ``username`` is UNIQUE and signup answers
  ``username_taken`` for any row that is not an abandoned reservation, so
  there is no second list to consult (or forget to consult).
- ``deactivations``: a Matrix account on Kindred's homeserver to deactivate
  (with erasure) because its person left. Written in the deletion's
  transaction, so a deletion interrupted by a crash or a homeserver outage
  still closes the account once both are back; retried with backoff and
  never given up. A table of its own, not more ``bot_jobs``: those are the
  bot's work, run only where the bot runs and abandoned after many
  failures, while this is the admin API's, runs wherever the web app does,
  and must finish.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "leaving: users.deleted_at, deactivations of the Matrix accounts of deleted people"

_STATEMENTS = [
    "ALTER TABLE users ADD COLUMN deleted_at TEXT",
    """
    CREATE TABLE deactivations (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id),
        matrix_user_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'done')),
        attempts INTEGER NOT NULL DEFAULT 0,
        run_after TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        done_at TEXT
    )
    """,
    "CREATE INDEX deactivations_due ON deactivations (state, run_after)",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
