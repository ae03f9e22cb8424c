"""The ``ranking_clock`` and ``ranking_changes`` tables (migration v27).

Triggers write both; Kindred only reads them, to keep each process's index
of interests (domain/interest_index.py) in step with the store.
"""

from __future__ import annotations

from store.connection import Connection


async def clock(conn: Connection) -> int:
    """How many changes to interests and standing the store has seen."""
    cursor = await conn.execute("SELECT seq FROM ranking_clock WHERE id = 1")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def changed_since(conn: Connection, seq: int) -> list[int]:
    """The people whose interests or standing changed after clock value ``seq``."""
    cursor = await conn.execute("SELECT user_id FROM ranking_changes WHERE seq > ?", (seq,))
    return [int(row[0]) for row in await cursor.fetchall()]
