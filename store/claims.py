"""Claiming queued jobs, so that several workers can share one queue.

A claim marks a row with its worker and a time after which others may take
it (the worker died, or is slow). On PostgreSQL the rows are picked ``FOR
UPDATE SKIP LOCKED``: two workers claiming at the same moment each get
different rows, neither waits for the other. SQLite has one writer, which
serialises the claims by itself.

Tables with claims: ``jobs``, ``bot_jobs``, ``circle_jobs``, ``mail_outbox``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from store.connection import Connection
from store.dialect import is_postgresql
from store.timeutil import iso

# Longer than any one job takes; a worker re-claims its own claims at any time.
HOLD = timedelta(minutes=2)
TABLES = ("jobs", "bot_jobs", "circle_jobs", "mail_outbox")


async def claim(
    conn: Connection,
    table: str,
    columns: str,
    due: str,
    order: str,
    limit: int,
    claimer: str,
    now: datetime,
    alias: str = "",
) -> list[Any]:
    """Claim up to ``limit`` rows of ``table`` (``alias`` for ``due`` and
    ``order``) matching ``due`` (which may use ``:now``), in ``order``, that
    nobody else holds; their ``columns``, unordered."""
    t = f"{alias}." if alias else ""
    lock = " FOR UPDATE SKIP LOCKED" if is_postgresql(conn) else ""
    cursor = await conn.execute(
        f"UPDATE {table} SET claimed_by = :claimer, claimed_until = :until WHERE id IN ("
        f"SELECT {t}id FROM {table} {alias} WHERE {due}"
        f" AND ({t}claimed_until IS NULL OR {t}claimed_until <= :now OR {t}claimed_by = :claimer)"
        f" ORDER BY {order} LIMIT :limit{lock}) RETURNING {columns}",
        {"claimer": claimer, "until": iso(now + HOLD), "now": iso(now), "limit": limit},
    )
    return list(await cursor.fetchall())


async def release_all(conn: Connection, claimer: str) -> None:
    """Free every claim of ``claimer`` (a worker that is gone: its lease was taken over)."""
    for table in TABLES:
        await conn.execute(
            f"UPDATE {table} SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?", (claimer,)
        )
