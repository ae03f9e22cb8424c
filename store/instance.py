"""The ``instance`` table: one random id naming this database."""

from __future__ import annotations

from store.connection import Connection


async def get_id(conn: Connection) -> str:
    cursor = await conn.execute("SELECT id FROM instance")
    row = await cursor.fetchone()
    return str(row[0])
