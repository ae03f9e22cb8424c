"""The ``bot_jobs`` table: homeserver work owed after a committed change.

Each job names its kind, whom or what it is about, and a JSON payload; the
bot's worker takes the due ones and marks them done (or, after too many
tries, failed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from store import claims
from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = (
    "id, kind, user_id, match_id, request_id, payload, state, attempts, run_after, last_error, created_at, updated_at"
)


@dataclass(frozen=True)
class BotJob:
    id: int
    kind: str
    user_id: int | None
    match_id: int | None
    request_id: int | None
    payload: dict[str, Any]
    state: str
    attempts: int
    run_after: str
    last_error: str | None
    created_at: str
    updated_at: str

    @classmethod
    def _from_row(cls, row: Any) -> BotJob:
        values = list(row)
        values[5] = json.loads(values[5] or "{}")
        return cls(*values)


async def enqueue(
    conn: Connection,
    kind: str,
    *,
    user_id: int | None = None,
    match_id: int | None = None,
    request_id: int | None = None,
    payload: dict[str, Any] | None = None,
    run_after: str | None = None,
) -> int:
    now = iso(utc_now())
    cursor = await conn.execute(
        "INSERT INTO bot_jobs (kind, user_id, match_id, request_id, payload, state, run_after,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) RETURNING id",
        (kind, user_id, match_id, request_id, json.dumps(payload or {}), run_after or now, now, now),
    )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def due(conn: Connection, limit: int) -> list[BotJob]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM bot_jobs WHERE state = 'queued' AND run_after <= ? ORDER BY run_after, id LIMIT ?",
        (iso(utc_now()), limit),
    )
    return [BotJob._from_row(row) for row in await cursor.fetchall()]


async def claim_due(conn: Connection, limit: int, claimer: str, now: datetime) -> list[BotJob]:
    """Like ``due``, but only rows nobody else holds, now held by ``claimer`` (store/claims.py)."""
    rows = await claims.claim(
        conn, "bot_jobs", _COLUMNS, "state = 'queued' AND run_after <= :now", "run_after, id", limit, claimer, now
    )
    return sorted((BotJob._from_row(row) for row in rows), key=lambda job: (job.run_after, job.id))


async def queued_for_matches(conn: Connection, match_ids: list[int]) -> list[BotJob]:
    """Queued jobs of these matches, due or not (a match that just turned ready)."""
    if not match_ids:
        return []
    marks = ", ".join("?" for _ in match_ids)
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM bot_jobs WHERE state = 'queued' AND match_id IN ({marks}) ORDER BY id",
        tuple(match_ids),
    )
    return [BotJob._from_row(row) for row in await cursor.fetchall()]


async def set_payload(conn: Connection, job_id: int, payload: dict[str, Any]) -> None:
    await conn.execute(
        "UPDATE bot_jobs SET payload = ?, updated_at = ? WHERE id = ?",
        (json.dumps(payload), iso(utc_now()), job_id),
    )


async def postpone(conn: Connection, job_id: int, run_after: str) -> None:
    """Run later without counting a failure (waiting for a room, say)."""
    await conn.execute(
        "UPDATE bot_jobs SET run_after = ?, updated_at = ?, claimed_until = NULL WHERE id = ?",
        (run_after, iso(utc_now()), job_id),
    )


async def retry_later(conn: Connection, job_id: int, attempts: int, run_after: str, error: str) -> None:
    """A failed attempt: counted here, not before, since most runs need no retry."""
    await conn.execute(
        "UPDATE bot_jobs SET attempts = ?, run_after = ?, last_error = ?, updated_at = ?, claimed_until = NULL"
        " WHERE id = ?",
        (attempts, run_after, error[:1000], iso(utc_now()), job_id),
    )


async def finish(conn: Connection, job_id: int, state: str = "done") -> None:
    await conn.execute("UPDATE bot_jobs SET state = ?, updated_at = ? WHERE id = ?", (state, iso(utc_now()), job_id))


async def count_queued(conn: Connection) -> int:
    cursor = await conn.execute("SELECT COUNT(*) FROM bot_jobs WHERE state = 'queued'")
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])
