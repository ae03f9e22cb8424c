"""A read-only look at a database, for ``kindred doctor``.

Opening the database the normal way applies migrations; a health check
must not change what it inspects, so this opens the file read-only, or asks
PostgreSQL in a read-only transaction.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg


def schema_version(path: Path) -> int:
    """The newest migration applied to ``path`` (0 if none); raises sqlite3.Error
    when the file is not a readable Kindred database."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    finally:
        conn.close()
    return int(row[0] or 0)


async def postgresql_schema_version(url: str, timeout: float) -> int:
    """The newest migration applied in the PostgreSQL database at ``url`` (0
    if none yet); raises what asyncpg raises when it cannot be read."""
    conn = await asyncpg.connect(url, timeout=timeout)
    try:
        async with conn.transaction(readonly=True):
            if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
                return 0
            return int(await conn.fetchval("SELECT MAX(version) FROM schema_version") or 0)
    finally:
        await conn.close()
