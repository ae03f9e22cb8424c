"""The ``reports`` table: what people told the operator about someone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiosqlite

from store.timeutil import iso, utc_now

_COLUMNS = "id, reporter_id, reported_id, match_id, reason, created_at"


@dataclass(frozen=True)
class Report:
    id: int
    reporter_id: int
    reported_id: int
    match_id: int | None
    reason: str
    created_at: str

    @classmethod
    def _from_row(cls, row: Any) -> Report:
        return cls(*row)


async def insert(
    conn: aiosqlite.Connection, reporter_id: int, reported_id: int, match_id: int | None, reason: str
) -> int:
    cursor = await conn.execute(
        "INSERT INTO reports (reporter_id, reported_id, match_id, reason, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (reporter_id, reported_id, match_id, reason, iso(utc_now())),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def get(conn: aiosqlite.Connection, report_id: int) -> Report | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM reports WHERE id = ?", (report_id,))
    row = await cursor.fetchone()
    return Report._from_row(row) if row else None


async def recent(conn: aiosqlite.Connection, limit: int, offset: int = 0) -> list[Report]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM reports ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
    )
    return [Report._from_row(row) for row in await cursor.fetchall()]
