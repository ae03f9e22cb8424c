"""The ``leases`` table: one holder per role, until an expiry time.

Every change is one statement, so the database itself decides between two
processes that try at the same moment: the row is taken only if it is free,
expired, or already the caller's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from store.connection import Connection
from store.timeutil import iso


@dataclass(frozen=True)
class Lease:
    role: str
    holder: str
    acquired_at: str
    expires_at: str

    @classmethod
    def _from_row(cls, row: Any) -> Lease:
        return cls(*row)


async def take(conn: Connection, role: str, holder: str, now: datetime, expires: datetime) -> bool:
    """Take or renew ``role`` for ``holder`` until ``expires``; False while
    someone else holds it and it has not expired at ``now``."""
    cursor = await conn.execute(
        "INSERT INTO leases (role, holder, acquired_at, expires_at) VALUES (:role, :holder, :now, :expires)"
        " ON CONFLICT (role) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,"
        " acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END"
        " WHERE leases.holder = excluded.holder OR leases.expires_at <= :now"
        " RETURNING holder",
        {"role": role, "holder": holder, "now": iso(now), "expires": iso(expires)},
    )
    return await cursor.fetchone() is not None


async def release(conn: Connection, role: str, holder: str) -> None:
    """Give ``role`` up at once (a clean stop), so a standby need not wait for the expiry."""
    await conn.execute("DELETE FROM leases WHERE role = ? AND holder = ?", (role, holder))


async def get(conn: Connection, role: str) -> Lease | None:
    cursor = await conn.execute("SELECT role, holder, acquired_at, expires_at FROM leases WHERE role = ?", (role,))
    row = await cursor.fetchone()
    return Lease._from_row(row) if row else None
