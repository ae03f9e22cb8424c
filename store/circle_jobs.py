"""The ``circle_jobs`` table: homeserver work owed for circles, in order per circle."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from store import claims
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

    @property
    def lane(self) -> tuple[int, int]:
        """What must not run beside it: the same person's jobs in the circle,
        or the circle's own."""
        person = self.user_id if self.kind in PERSON_KINDS and self.user_id is not None else 0
        return (self.circle_id, person)

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


# Jobs about one person run in their own lane of the circle, so many joins
# go side by side; the circle's own jobs (its room, roles, name, archive)
# share one lane, since each rewrites whole room state.
PERSON_KINDS = ("join", "leave", "kick", "ban", "unban")
_LANE = "(CASE WHEN {t}.kind IN ('join', 'leave', 'kick', 'ban', 'unban') THEN {t}.user_id ELSE 0 END)"


async def heads(conn: Connection, limit: int) -> list[CircleJob]:
    """The first queued job of each lane, if due: a person's jobs in a circle
    run in the order they were queued, as do the circle's own; nothing of a
    circle runs before its room is made (its ``create_room`` job)."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM circle_jobs j WHERE j.state = 'queued' AND j.run_after <= ?"
        " AND NOT EXISTS (SELECT 1 FROM circle_jobs k WHERE k.state = 'queued' AND k.circle_id = j.circle_id"
        f" AND k.id < j.id AND ({_LANE.format(t='k')} = {_LANE.format(t='j')} OR k.kind = 'create_room'))"
        " ORDER BY j.id LIMIT ?",
        (iso(utc_now()), limit),
    )
    return [CircleJob._from_row(row) for row in await cursor.fetchall()]


async def claim_heads(conn: Connection, limit: int, claimer: str, now: datetime) -> list[CircleJob]:
    """Like ``heads``, but only rows nobody else holds, now held by ``claimer``
    (store/claims.py); a lane whose head another holds waits behind it."""
    rows = await claims.claim(
        conn,
        "circle_jobs",
        _COLUMNS,
        "j.state = 'queued' AND j.run_after <= :now"
        " AND NOT EXISTS (SELECT 1 FROM circle_jobs k WHERE k.state = 'queued' AND k.circle_id = j.circle_id"
        f" AND k.id < j.id AND ({_LANE.format(t='k')} = {_LANE.format(t='j')} OR k.kind = 'create_room'))",
        "j.id",
        limit,
        claimer,
        now,
        alias="j",
    )
    return sorted((CircleJob._from_row(row) for row in rows), key=lambda job: job.id)


async def queued_for(conn: Connection, circle_id: int) -> list[CircleJob]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM circle_jobs WHERE circle_id = ? AND state = 'queued' ORDER BY id", (circle_id,)
    )
    return [CircleJob._from_row(row) for row in await cursor.fetchall()]


async def retry_later(conn: Connection, job_id: int, attempts: int, run_after: str, error: str) -> None:
    await conn.execute(
        "UPDATE circle_jobs SET attempts = ?, run_after = ?, last_error = ?, updated_at = ?, claimed_until = NULL"
        " WHERE id = ?",
        (attempts, run_after, error[:1000], iso(utc_now()), job_id),
    )


async def finish(conn: Connection, job_id: int, state: str = "done") -> None:
    await conn.execute("UPDATE circle_jobs SET state = ?, updated_at = ? WHERE id = ?", (state, iso(utc_now()), job_id))


async def count_queued(conn: Connection) -> int:
    cursor = await conn.execute("SELECT COUNT(*) FROM circle_jobs WHERE state = 'queued'")
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])
