"""A read-only look at a database, for ``kindred doctor``.

Opening the database the normal way applies migrations; a health check
must not change what it inspects, so this opens the file read-only, or asks
PostgreSQL in a read-only transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import asyncpg


@dataclass(frozen=True)
class StoreState:
    """What a look at a store finds: the migrations applied (none: no tables
    yet) and the space it takes on disk."""

    applied: frozenset[int]
    size_bytes: int
    # SQLite only: the write-ahead log's share of ``size_bytes``.
    wal_bytes: int = 0

    @property
    def version(self) -> int:
        return max(self.applied, default=0)


def sqlite_state(path: Path) -> StoreState:
    """The store in the SQLite file at ``path``, its WAL and shared-memory
    files counted in its size; raises sqlite3.Error when the file is not a
    readable Kindred database."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        applied = frozenset(int(row[0]) for row in conn.execute("SELECT version FROM schema_version"))
    finally:
        conn.close()
    wal = _size(path.with_name(path.name + "-wal"))
    return StoreState(applied, _size(path) + wal + _size(path.with_name(path.name + "-shm")), wal)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


async def postgresql_state(url: str, timeout: float) -> StoreState:
    """The store in the PostgreSQL database at ``url`` (no migrations applied
    when it has no tables yet); raises what asyncpg raises when it cannot be read."""
    conn = await asyncpg.connect(url, timeout=timeout)
    try:
        async with conn.transaction(readonly=True):
            size = int(await conn.fetchval("SELECT pg_database_size(current_database())"))
            if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
                return StoreState(frozenset(), size)
            rows = await conn.fetch("SELECT version FROM schema_version")
            return StoreState(frozenset(int(row[0]) for row in rows), size)
    finally:
        await conn.close()
