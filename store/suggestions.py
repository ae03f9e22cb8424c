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


async def clock_and_partners(conn: Connection, viewer_id: int) -> tuple[int, list[int]]:
    """The ranking clock's value (store.ranking_changes.clock), and everyone
    the viewer may not be shown: a pending request either way, a match not
    closed, a block by either side. One statement, one round trip: each arm
    reads one index; the clock's row comes back with id 0, nobody's id."""
    cursor = await conn.execute(
        "SELECT 0, seq FROM ranking_clock WHERE id = 1"
        " UNION ALL SELECT to_user_id, 0 FROM requests WHERE from_user_id = :v AND status = 'pending'"
        " UNION ALL SELECT from_user_id, 0 FROM requests WHERE to_user_id = :v AND status = 'pending'"
        " UNION ALL SELECT user_high, 0 FROM matches WHERE user_low = :v AND status <> 'closed'"
        " UNION ALL SELECT user_low, 0 FROM matches WHERE user_high = :v AND status <> 'closed'"
        " UNION ALL SELECT user_high, 0 FROM blocks WHERE user_low = :v"
        " UNION ALL SELECT user_low, 0 FROM blocks WHERE user_high = :v",
        {"v": viewer_id},
    )
    clock, away = 0, []
    for other, seq in await cursor.fetchall():
        if other == 0:
            clock = int(seq)
        else:
            away.append(int(other))
    return clock, away
