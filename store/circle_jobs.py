"""The ``circle_jobs`` table: homeserver work owed for circles, in order per circle."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "id, circle_id, user_id, kind, payload, state, attempts, run_after, last_error, created_at, updated_at"


@dataclass(frozen=True)
class CircleJob:
    id: int
    circle_id: int
    user_id: int | None
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int
    run_after: str
    last_error: str | None
    created_at: str
    updated_at: str

    @classmethod
    def _from_row(cls, row: Any) -> CircleJob:
        values = list(row)
        values[4] = json.loads(values[4] or "{}")
        return cls(*values)


async def enqueue(
    conn: Connection, circle_id: int, kind: str, *, user_id: int | None = None, payload: dict[str, Any] | None = None
) -> int:
    now = iso(utc_now())
    cursor = await conn.execute(
        "INSERT INTO circle_jobs (circle_id, user_id, kind, payload, state, run_after, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'queued', ?, ?, ?) RETURNING id",
        (circle_id, user_id, kind, json.dumps(payload or {}), now, now, now),
    )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def heads(conn: Connection, limit: int) -> list[CircleJob]:
    """The first queued job of each circle, if it is due: a circle's jobs run
    in the order they were queued (the room is made before anyone joins it)."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM circle_jobs WHERE id IN"
        " (SELECT MIN(id) FROM circle_jobs WHERE state = 'queued' GROUP BY circle_id)"
        " AND run_after <= ? ORDER BY id LIMIT ?",
        (iso(utc_now()), limit),
    )
    return [CircleJob._from_row(row) for row in await cursor.fetchall()]


async def queued_for(conn: Connection, circle_id: int) -> list[CircleJob]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM circle_jobs WHERE circle_id = ? AND state = 'queued' ORDER BY id", (circle_id,)
    )
    return [CircleJob._from_row(row) for row in await cursor.fetchall()]


async def retry_later(conn: Connection, job_id: int, attempts: int, run_after: str, error: str) -> None:
    await conn.execute(
        "UPDATE circle_jobs SET attempts = ?, run_after = ?, last_error = ?, updated_at = ? WHERE id = ?",
        (attempts, run_after, error[:1000], iso(utc_now()), job_id),
    )


async def finish(conn: Connection, job_id: int, state: str = "done") -> None:
    await conn.execute("UPDATE circle_jobs SET state = ?, updated_at = ? WHERE id = ?", (state, iso(utc_now()), job_id))


async def count_queued(conn: Connection) -> int:
    cursor = await conn.execute("SELECT COUNT(*) FROM circle_jobs WHERE state = 'queued'")
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])
