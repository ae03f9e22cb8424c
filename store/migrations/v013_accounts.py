"""v13: accounts people can trust: email, one-time codes, password resets, mail.

- ``users.email`` is the address a person gave (lower-cased), and
  ``email_verified_at`` when they proved it with a code. Two people may type
  the same address, but only one may prove it: the partial unique index
  covers verified addresses only, so nobody can squat an address by typing it.
- ``users.session_epoch`` is carried in every access token; raising it ends
  every access token issued before (a password change or reset), which the
  refresh-token families alone cannot do within the token's lifetime.
- ``users.matrix_password_seal`` holds, until the email is verified, the
  password sealed (AES-GCM) with a key derived from Kindred's secret: with
  ``require_email`` no Matrix account exists before the code is entered, and
  the homeserver's admin API takes only a password, not a hash, to make one.
  It is erased the moment the account is made.
- ``email_codes``: one live code per person and purpose, stored hashed.
- ``password_resets``: one-time reset tokens, stored hashed, single use.
- ``mail_outbox``: every mail Kindred sends, queued durably; the mailer sends
  due ones and retries with backoff. Without an SMTP server they stay here
  as ``kept``, for the operator's /admin/outbox.
"""

from __future__ import annotations

from typing import Any

from store.migrations.portable import ddl

DESCRIPTION = "accounts: users.email, email codes, password resets, the mail outbox"

_STATEMENTS = [
    "ALTER TABLE users ADD COLUMN email TEXT",
    "ALTER TABLE users ADD COLUMN email_verified_at TEXT",
    "ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE users ADD COLUMN matrix_password_seal TEXT",
    "CREATE UNIQUE INDEX users_verified_email ON users (email) WHERE email_verified_at IS NOT NULL",
    "CREATE INDEX users_email ON users (email)",
    """
    CREATE TABLE email_codes (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose TEXT NOT NULL,
        email TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        tries_left INTEGER NOT NULL,
        expires_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (user_id, purpose)
    )
    """,
    """
    CREATE TABLE password_resets (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash TEXT NOT NULL UNIQUE,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        created_at TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE mail_outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        to_address TEXT NOT NULL,
        subject TEXT NOT NULL,
        text_body TEXT NOT NULL,
        html_body TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        run_after TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT
    )
    """,
    "CREATE INDEX mail_outbox_due ON mail_outbox (state, run_after)",
]


async def upgrade(conn: Any, dialect: str) -> None:
    for statement in _STATEMENTS:
        await conn.execute(ddl(statement, dialect))
