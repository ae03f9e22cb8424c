"""The ``mail_outbox`` table: every mail Kindred sends, queued durably.

States: ``queued`` (to be sent, at ``run_after``), ``sent``, and ``kept``
(no SMTP server is configured: the mail stays here for the operator).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from store import claims
from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = (
    "id, kind, to_address, subject, text_body, html_body, state, attempts, run_after, last_error, created_at, sent_at"
)


@dataclass(frozen=True)
class Mail:
    id: int
    kind: str
    to_address: str
    subject: str
    text_body: str
    html_body: str
    state: str
    attempts: int
    run_after: str
    last_error: str | None
    created_at: str
    sent_at: str | None

    @classmethod
    def _from_row(cls, row: Any) -> Mail:
        return cls(*row)


async def enqueue(
    conn: Connection, kind: str, to_address: str, subject: str, text_body: str, html_body: str, state: str
) -> int:
    now = iso(utc_now())
    cursor = await conn.execute(
        "INSERT INTO mail_outbox (kind, to_address, subject, text_body, html_body, state, run_after, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (kind, to_address, subject, text_body, html_body, state, now, now),
    )
    row = await cursor.fetchone()
    return int(row[0])


async def due(conn: Connection, limit: int) -> list[Mail]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM mail_outbox WHERE state = 'queued' AND run_after <= ? ORDER BY run_after, id LIMIT ?",
        (iso(utc_now()), limit),
    )
    return [Mail._from_row(row) for row in await cursor.fetchall()]


async def claim_due(conn: Connection, limit: int, claimer: str, now: datetime) -> list[Mail]:
    """Like ``due``, but only rows nobody else holds, now held by ``claimer`` (store/claims.py)."""
    rows = await claims.claim(
        conn, "mail_outbox", _COLUMNS, "state = 'queued' AND run_after <= :now", "run_after, id", limit, claimer, now
    )
    return sorted((Mail._from_row(row) for row in rows), key=lambda mail: (mail.run_after, mail.id))


async def next_due_at(conn: Connection) -> str | None:
    cursor = await conn.execute("SELECT MIN(run_after) FROM mail_outbox WHERE state = 'queued'")
    row = await cursor.fetchone()
    return row[0] if row else None


async def begin_attempt(conn: Connection, mail_id: int) -> None:
    await conn.execute("UPDATE mail_outbox SET attempts = attempts + 1 WHERE id = ?", (mail_id,))


async def mark_sent(conn: Connection, mail_id: int) -> None:
    """Sent: the bodies are dropped, so no code or reset link lingers in the database."""
    await conn.execute(
        "UPDATE mail_outbox SET state = 'sent', sent_at = ?, text_body = '', html_body = '', last_error = NULL"
        " WHERE id = ?",
        (iso(utc_now()), mail_id),
    )


async def retry_later(conn: Connection, mail_id: int, run_after: str, error: str) -> None:
    await conn.execute(
        "UPDATE mail_outbox SET run_after = ?, last_error = ?, claimed_until = NULL WHERE id = ?",
        (run_after, error[:1000], mail_id),
    )


async def page(conn: Connection, limit: int, offset: int) -> list[Mail]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM mail_outbox ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
    )
    return [Mail._from_row(row) for row in await cursor.fetchall()]


async def latest_to(conn: Connection, to_address: str, kind: str) -> str | None:
    """When the newest mail of this kind was queued for this address."""
    cursor = await conn.execute(
        "SELECT MAX(created_at) FROM mail_outbox WHERE to_address = ? AND kind = ?", (to_address, kind)
    )
    row = await cursor.fetchone()
    return row[0] if row else None


async def forget_address(conn: Connection, to_address: str) -> None:
    """A deleted account's mail goes too, sent or not: the address was theirs."""
    await conn.execute("DELETE FROM mail_outbox WHERE to_address = ?", (to_address,))
