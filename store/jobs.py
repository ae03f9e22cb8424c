"""The ``jobs`` table: the durable queue between the web and the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from store import claims
from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "id, kind, match_id, state, attempts, run_after, last_error, created_at, updated_at"

PROVISION_ROOM = "provision_room"


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    match_id: int
    state: str
    attempts: int
    run_after: str
    last_error: str | None
    created_at: str
    updated_at: str

    @classmethod
    def _from_row(cls, row: Any) -> Job:
        return cls(*row)


async def enqueue(conn: Connection, kind: str, match_id: int) -> int:
    now = iso(utc_now())
    cursor = await conn.execute(
        "INSERT INTO jobs (kind, match_id, state, run_after, created_at, updated_at)"
        " VALUES (?, ?, 'queued', ?, ?, ?) RETURNING id",
        (kind, match_id, now, now, now),
    )
    row = await cursor.fetchone()
    return int(row[0])


async def due(conn: Connection, limit: int) -> list[Job]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM jobs WHERE state = 'queued' AND run_after <= ? ORDER BY run_after, id LIMIT ?",
        (iso(utc_now()), limit),
    )
    return [Job._from_row(row) for row in await cursor.fetchall()]


async def claim_due(conn: Connection, limit: int, claimer: str, now: datetime) -> list[Job]:
    """Like ``due``, but only rows nobody else holds, now held by ``claimer`` (store/claims.py)."""
    rows = await claims.claim(
        conn, "jobs", _COLUMNS, "state = 'queued' AND run_after <= :now", "run_after, id", limit, claimer, now
    )
    return sorted((Job._from_row(row) for row in rows), key=lambda job: (job.run_after, job.id))


async def begin_attempt(conn: Connection, job_id: int) -> int:
    """Count an attempt before its side effects, so a crash mid-way is visible."""
    cursor = await conn.execute(
        "UPDATE jobs SET attempts = attempts + 1, updated_at = ? WHERE id = ? RETURNING attempts",
        (iso(utc_now()), job_id),
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def finish(conn: Connection, job_id: int) -> None:
    await conn.execute("UPDATE jobs SET state = 'done', updated_at = ? WHERE id = ?", (iso(utc_now()), job_id))


async def retry_later(conn: Connection, job_id: int, run_after: str, error: str) -> None:
    await conn.execute(
        "UPDATE jobs SET run_after = ?, last_error = ?, updated_at = ?, claimed_until = NULL WHERE id = ?",
        (run_after, error[:1000], iso(utc_now()), job_id),
    )


async def any_interrupted(conn: Connection, kind: str) -> bool:
    """Whether an attempt may have died with its side effects half done: a job
    still queued after an attempt began, or one that needed more than one."""
    cursor = await conn.execute(
        "SELECT 1 FROM jobs WHERE kind = ? AND (attempts > 1 OR (state = 'queued' AND attempts >= 1)) LIMIT 1",
        (kind,),
    )
    return await cursor.fetchone() is not None


async def count_queued(conn: Connection) -> int:
    cursor = await conn.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued'")
    row = await cursor.fetchone()
    return int(row[0])
