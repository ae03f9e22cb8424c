"""The ``deactivations`` table: Matrix accounts of deleted people, to close
on the homeserver. A row stays ``queued`` until the homeserver took it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "id, user_id, matrix_user_id, state, attempts, run_after, last_error, created_at, done_at"


@dataclass(frozen=True)
class Deactivation:
    id: int
    user_id: int
    matrix_user_id: str
    state: str
    attempts: int
    run_after: str
    last_error: str | None
    created_at: str
    done_at: str | None

    @classmethod
    def _from_row(cls, row: Any) -> Deactivation:
        return cls(*row)


async def enqueue(conn: Connection, user_id: int, matrix_user_id: str) -> int:
    now = iso(utc_now())
    cursor = await conn.execute(
        "INSERT INTO deactivations (user_id, matrix_user_id, state, run_after, created_at)"
        " VALUES (?, ?, 'queued', ?, ?) RETURNING id",
        (user_id, matrix_user_id, now, now),
    )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def due(conn: Connection, limit: int) -> list[Deactivation]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM deactivations WHERE state = 'queued' AND run_after <= ?"
        " ORDER BY run_after, id LIMIT ?",
        (iso(utc_now()), limit),
    )
    return [Deactivation._from_row(row) for row in await cursor.fetchall()]


async def next_due_at(conn: Connection) -> str | None:
    cursor = await conn.execute("SELECT MIN(run_after) FROM deactivations WHERE state = 'queued'")
    row = await cursor.fetchone()
    return row[0] if row else None


async def finish(conn: Connection, deactivation_id: int) -> None:
    await conn.execute(
        "UPDATE deactivations SET state = 'done', done_at = ? WHERE id = ?",
        (iso(utc_now()), deactivation_id),
    )


async def retry_later(conn: Connection, deactivation_id: int, attempts: int, run_after: str, error: str) -> None:
    await conn.execute(
        "UPDATE deactivations SET attempts = ?, run_after = ?, last_error = ? WHERE id = ?",
        (attempts, run_after, error[:1000], deactivation_id),
    )
