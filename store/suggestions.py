"""What the ranking reads from the store besides the index of interests.

The ranking itself runs in memory (domain/interest_index.py); these are the
rows that decide who it may show a viewer, read fresh on every ranking so a
new request, match or block counts at once, in every process.
"""

from __future__ import annotations

from store.connection import Connection


async def population(conn: Connection) -> int:
    """How many people are active: N in the IDF weights (kept by triggers)."""
    cursor = await conn.execute("SELECT active FROM population")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def partners(conn: Connection, viewer_id: int) -> list[int]:
    """Everyone the viewer may not be shown: a pending request either way, a
    match not closed, a block by either side. Each arm reads one index."""
    cursor = await conn.execute(
        "SELECT to_user_id FROM requests WHERE from_user_id = :v AND status = 'pending'"
        " UNION ALL SELECT from_user_id FROM requests WHERE to_user_id = :v AND status = 'pending'"
        " UNION ALL SELECT user_high FROM matches WHERE user_low = :v AND status <> 'closed'"
        " UNION ALL SELECT user_low FROM matches WHERE user_high = :v AND status <> 'closed'"
        " UNION ALL SELECT user_high FROM blocks WHERE user_low = :v"
        " UNION ALL SELECT user_low FROM blocks WHERE user_high = :v",
        {"v": viewer_id},
    )
    return [int(row[0]) for row in await cursor.fetchall()]
