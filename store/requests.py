"""The ``requests`` table: one person asking another to connect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

# Every read joins both people so callers get usernames without a second query.
_SELECT = (
    "SELECT r.id, r.from_user_id, f.username, f.display_name,"
    " r.to_user_id, t.username, t.display_name, r.note, r.status, r.created_at, r.decided_at"
    " FROM requests r JOIN users f ON f.id = r.from_user_id JOIN users t ON t.id = r.to_user_id"
)


@dataclass(frozen=True)
class Request:
    id: int
    from_user_id: int
    from_username: str
    from_display_name: str
    to_user_id: int
    to_username: str
    to_display_name: str
    note: str
    status: str
    created_at: str
    decided_at: str | None

    @classmethod
    def _from_row(cls, row: Any) -> Request:
        return cls(*row)


async def insert(conn: Connection, from_id: int, to_id: int, note: str) -> int:
    cursor = await conn.execute(
        "INSERT INTO requests (from_user_id, to_user_id, user_low, user_high, note, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'pending', ?) RETURNING id",
        (from_id, to_id, min(from_id, to_id), max(from_id, to_id), note, iso(utc_now())),
    )
    row = await cursor.fetchone()
    return int(row[0])


async def get(conn: Connection, request_id: int) -> Request | None:
    cursor = await conn.execute(f"{_SELECT} WHERE r.id = ?", (request_id,))
    row = await cursor.fetchone()
    return Request._from_row(row) if row else None


async def pending_between(conn: Connection, a: int, b: int) -> Request | None:
    cursor = await conn.execute(
        f"{_SELECT} WHERE r.user_low = ? AND r.user_high = ? AND r.status = 'pending'",
        (min(a, b), max(a, b)),
    )
    row = await cursor.fetchone()
    return Request._from_row(row) if row else None


async def decide(conn: Connection, request_id: int, status: str) -> bool:
    """Move a pending request to ``status``; False if it was no longer pending."""
    cursor = await conn.execute(
        "UPDATE requests SET status = ?, decided_at = ? WHERE id = ? AND status = 'pending'",
        (status, iso(utc_now()), request_id),
    )
    return cursor.rowcount == 1


async def list_for_user(conn: Connection, user_id: int, box: str, status: str | None, limit: int) -> list[Request]:
    column = "r.to_user_id" if box == "incoming" else "r.from_user_id"
    # A round's introduction carries a request row only because every match has one: nobody sent it.
    sql = f"{_SELECT} WHERE {column} = ? AND r.via_round = 0"
    params: list[Any] = [user_id]
    if status is not None:
        sql += " AND r.status = ?"
        params.append(status)
    sql += " ORDER BY r.id DESC LIMIT ?"
    params.append(limit)
    cursor = await conn.execute(sql, params)
    return [Request._from_row(row) for row in await cursor.fetchall()]


async def history_for_user(conn: Connection, user_id: int, limit: int, offset: int) -> list[Request]:
    """Answered requests the person sent or received, newest first."""
    cursor = await conn.execute(
        f"{_SELECT} WHERE (r.from_user_id = ? OR r.to_user_id = ?) AND r.status <> 'pending'"
        " AND r.via_round = 0 ORDER BY r.id DESC LIMIT ? OFFSET ?",
        (user_id, user_id, limit, offset),
    )
    return [Request._from_row(row) for row in await cursor.fetchall()]


async def count_pending_incoming(conn: Connection, user_id: int) -> int:
    cursor = await conn.execute("SELECT COUNT(*) FROM requests WHERE to_user_id = ? AND status = 'pending'", (user_id,))
    row = await cursor.fetchone()
    return int(row[0])


async def sent_since(conn: Connection, user_id: int, since: str) -> list[str]:
    """Creation times of the requests ``user_id`` sent after ``since``, oldest first."""
    cursor = await conn.execute(
        "SELECT created_at FROM requests WHERE from_user_id = ? AND created_at > ? ORDER BY created_at",
        (user_id, since),
    )
    return [row[0] for row in await cursor.fetchall()]


async def insert_for_round(conn: Connection, a: int, b: int) -> int:
    """The accepted request a round's match stands on (nobody sent it; lists skip it)."""
    now = iso(utc_now())
    cursor = await conn.execute(
        "INSERT INTO requests (from_user_id, to_user_id, user_low, user_high, note, status, created_at, decided_at,"
        " via_round) VALUES (?, ?, ?, ?, '', 'accepted', ?, ?, 1) RETURNING id",
        (min(a, b), max(a, b), min(a, b), max(a, b), now, now),
    )
    row = await cursor.fetchone()
    return int(row[0])


async def pending_pairs(conn: Connection) -> list[tuple[int, int]]:
    """Every pair with a pending request (a round keeps them apart)."""
    cursor = await conn.execute("SELECT user_low, user_high FROM requests WHERE status = 'pending'")
    return [(int(row[0]), int(row[1])) for row in await cursor.fetchall()]


async def cancel_pending_for_user(conn: Connection, user_id: int) -> None:
    """End someone's pending requests: theirs withdrawn, those to them rejected."""
    now = iso(utc_now())
    await conn.execute(
        "UPDATE requests SET status = 'withdrawn', decided_at = ? WHERE from_user_id = ? AND status = 'pending'",
        (now, user_id),
    )
    await conn.execute(
        "UPDATE requests SET status = 'rejected', decided_at = ? WHERE to_user_id = ? AND status = 'pending'",
        (now, user_id),
    )


async def involving(conn: Connection, user_id: int) -> list[Request]:
    """Every request a person sent or received, oldest first (their export).
    A round's stand-in request (accepted as the round made its match) is not
    one: nobody sent it, and the match itself is listed."""
    cursor = await conn.execute(
        f"{_SELECT} WHERE (r.from_user_id = ? OR r.to_user_id = ?) AND r.via_round = 0 ORDER BY r.id",
        (user_id, user_id),
    )
    return [Request._from_row(row) for row in await cursor.fetchall()]
