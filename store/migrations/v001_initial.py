"""v1: people, interests, tokens, requests, matches and the provisioning queue."""

from __future__ import annotations

import secrets
from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "initial schema: instance, users, interests, refresh tokens, requests, matches, jobs"

_STATEMENTS = [
    # A random identity for this database, written into every room Kindred
    # makes: match ids restart when a database is recreated, so the id alone
    # could point at a room from an earlier life of the same homeserver.
    "CREATE TABLE instance (id TEXT NOT NULL)",
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        display_name TEXT NOT NULL,
        bio TEXT NOT NULL DEFAULT '',
        matrix_user_id TEXT,
        -- 'pending' while the homeserver account is being made; only
        -- 'active' people can log in or be found.
        status TEXT NOT NULL DEFAULT 'active',
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE interests (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        -- How many people list it: the document frequency for IDF weights,
        -- kept in the same transaction as user_interests.
        user_count INTEGER NOT NULL DEFAULT 0
    )
    """,
    """
    CREATE TABLE user_interests (
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        interest_id INTEGER NOT NULL REFERENCES interests (id),
        PRIMARY KEY (user_id, interest_id)
    ) WITHOUT ROWID
    """,
    # interest -> people: the index candidate generation walks.
    "CREATE INDEX user_interests_by_interest ON user_interests (interest_id, user_id)",
    """
    CREATE TABLE refresh_tokens (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        family TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        revoked_at TEXT,
        created_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX refresh_tokens_family ON refresh_tokens (family)",
    """
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        from_user_id INTEGER NOT NULL REFERENCES users (id),
        to_user_id INTEGER NOT NULL REFERENCES users (id),
        -- The pair in canonical order, so one index covers both directions.
        user_low INTEGER NOT NULL,
        user_high INTEGER NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected', 'withdrawn')),
        created_at TEXT NOT NULL,
        decided_at TEXT,
        CHECK (from_user_id <> to_user_id)
    )
    """,
    # At most one pending request per pair, whoever sent it.
    "CREATE UNIQUE INDEX requests_one_pending ON requests (user_low, user_high) WHERE status = 'pending'",
    "CREATE INDEX requests_incoming ON requests (to_user_id, status)",
    "CREATE INDEX requests_outgoing ON requests (from_user_id, status)",
    """
    CREATE TABLE matches (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL UNIQUE REFERENCES requests (id),
        user_low INTEGER NOT NULL REFERENCES users (id),
        user_high INTEGER NOT NULL REFERENCES users (id),
        status TEXT NOT NULL CHECK (status IN ('provisioning', 'ready', 'closed')),
        room_id TEXT,
        created_at TEXT NOT NULL,
        ready_at TEXT,
        closed_at TEXT
    )
    """,
    # At most one open match per pair.
    "CREATE UNIQUE INDEX matches_one_open ON matches (user_low, user_high) WHERE status <> 'closed'",
    "CREATE INDEX matches_by_high ON matches (user_high, status)",
    """
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        match_id INTEGER NOT NULL REFERENCES matches (id),
        state TEXT NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        run_after TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (kind, match_id)
    )
    """,
    "CREATE INDEX jobs_due ON jobs (state, run_after)",
]


# Names compare case-blind: SQLite has a collation for it, PostgreSQL an
# index on the lowered name.
_DISPLAY_NAME_INDEX = {
    "sqlite": "CREATE INDEX users_display_name ON users (display_name COLLATE NOCASE)",
    "postgresql": "CREATE INDEX users_display_name ON users (lower(display_name))",
}


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
        if statement.lstrip().startswith("CREATE TABLE instance"):
            await conn.execute("INSERT INTO instance (id) VALUES (?)", (secrets.token_hex(16),))
        elif statement.lstrip().startswith("CREATE TABLE users"):
            await conn.execute(_DISPLAY_NAME_INDEX[dialect])
