"""The ``instance`` table: one random id naming this database."""

from __future__ import annotations

import aiosqlite


async def get_id(conn: aiosqlite.Connection) -> str:
    cursor = await conn.execute("SELECT id FROM instance")
    row = await cursor.fetchone()
    return str(row[0])
