"""The ``rate_limit_hits`` table: the attempts each limit has let through, per subject."""

from __future__ import annotations

from store.connection import Connection
from store.dialect import is_postgresql

# The first half of the advisory lock's two-part key: the rate limits' own
# space, apart from every other lock Kindred takes.
_LOCK_SPACE = 0x726C


async def take_turn(conn: Connection, scope: str) -> None:
    """Hold the ``scope`` until this transaction ends, so two processes
    counting its attempts at once take turns and neither lets one extra
    through. On SQLite every write transaction already takes its turn."""
    if is_postgresql(conn):
        await conn.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (_LOCK_SPACE, scope))


async def add(conn: Connection, scope: str, subject: str, at: str) -> None:
    await conn.execute("INSERT INTO rate_limit_hits (scope, subject, hit_at) VALUES (?, ?, ?)", (scope, subject, at))


async def newest_since(conn: Connection, scope: str, subject: str, start: str, limit: int) -> list[str]:
    """The subject's newest ``limit`` attempts from ``start`` on, newest first."""
    cursor = await conn.execute(
        "SELECT hit_at FROM rate_limit_hits WHERE scope = ? AND subject = ? AND hit_at >= ?"
        " ORDER BY hit_at DESC LIMIT ?",
        (scope, subject, start, limit),
    )
    return [str(row[0]) for row in await cursor.fetchall()]


async def prune(conn: Connection, scope: str, before: str) -> None:
    """Forget every subject's attempts older than ``before``."""
    await conn.execute("DELETE FROM rate_limit_hits WHERE scope = ? AND hit_at < ?", (scope, before))
