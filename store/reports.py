"""The ``reports`` table: what people told the operator about someone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "id, reporter_id, reported_id, match_id, reason, created_at, resolved_at, resolved_by"


@dataclass(frozen=True)
class Report:
    id: int
    reporter_id: int
    reported_id: int
    match_id: int | None
    reason: str
    created_at: str
    resolved_at: str | None = None
    resolved_by: str | None = None

    @classmethod
    def _from_row(cls, row: Any) -> Report:
        return cls(*row)


@dataclass(frozen=True)
class QueuedReport:
    """A report as operators see it: with both people named."""

    id: int
    reporter_username: str
    reported_username: str
    reported_status: str
    match_id: int | None
    reason: str
    created_at: str
    resolved_at: str | None
    resolved_by: str | None


async def insert(conn: Connection, reporter_id: int, reported_id: int, match_id: int | None, reason: str) -> int:
    cursor = await conn.execute(
        "INSERT INTO reports (reporter_id, reported_id, match_id, reason, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (reporter_id, reported_id, match_id, reason, iso(utc_now())),
    )
    row = await cursor.fetchone()
    return int(row[0])


async def get(conn: Connection, report_id: int) -> Report | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM reports WHERE id = ?", (report_id,))
    row = await cursor.fetchone()
    return Report._from_row(row) if row else None


async def recent(conn: Connection, limit: int, offset: int = 0) -> list[Report]:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM reports ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset))
    return [Report._from_row(row) for row in await cursor.fetchall()]


async def queue(conn: Connection, open_only: bool, limit: int, offset: int = 0) -> list[QueuedReport]:
    where = "WHERE r.resolved_at IS NULL" if open_only else ""
    cursor = await conn.execute(
        "SELECT r.id, a.username, b.username, b.status, r.match_id, r.reason, r.created_at,"
        " r.resolved_at, r.resolved_by"
        " FROM reports r JOIN users a ON a.id = r.reporter_id JOIN users b ON b.id = r.reported_id"
        f" {where} ORDER BY r.id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [QueuedReport(*row) for row in await cursor.fetchall()]


async def resolve(conn: Connection, report_id: int, actor: str) -> bool:
    """Mark a report dealt with; False if it is unknown or already resolved."""
    cursor = await conn.execute(
        "UPDATE reports SET resolved_at = ?, resolved_by = ? WHERE id = ? AND resolved_at IS NULL",
        (iso(utc_now()), actor, report_id),
    )
    return cursor.rowcount == 1


async def by_reporter(conn: Connection, reporter_id: int) -> list[Report]:
    """The reports one person made, oldest first (not those about them)."""
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM reports WHERE reporter_id = ? ORDER BY id", (reporter_id,))
    return [Report._from_row(row) for row in await cursor.fetchall()]
