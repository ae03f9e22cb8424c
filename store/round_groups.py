"""The ``round_groups`` table: a pair or trio of a round, and the match it became."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection

_COLUMNS = "id, round_id, weight, state, match_id"
PLANNED, MATCHED, DROPPED = "planned", "matched", "dropped"


@dataclass(frozen=True)
class RoundGroup:
    id: int
    round_id: int
    weight: float
    # planned -> matched (its match made) | dropped (something changed before it was made).
    state: str
    match_id: int | None

    @classmethod
    def _from_row(cls, row: Any) -> RoundGroup:
        return cls(int(row[0]), int(row[1]), float(row[2]), str(row[3]), row[4])


async def insert(conn: Connection, round_id: int, weight: float) -> int:
    cursor = await conn.execute(
        "INSERT INTO round_groups (round_id, weight, state) VALUES (?, ?, 'planned') RETURNING id", (round_id, weight)
    )
    row = await cursor.fetchone()
    return int(row[0])


async def get(conn: Connection, group_id: int) -> RoundGroup | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM round_groups WHERE id = ?", (group_id,))
    row = await cursor.fetchone()
    return RoundGroup._from_row(row) if row else None


async def planned_in(conn: Connection, round_id: int) -> list[RoundGroup]:
    """The groups of a round still waiting for their match."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM round_groups WHERE round_id = ? AND state = 'planned' ORDER BY id", (round_id,)
    )
    return [RoundGroup._from_row(row) for row in await cursor.fetchall()]


async def of_round(conn: Connection, round_id: int) -> list[RoundGroup]:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM round_groups WHERE round_id = ? ORDER BY id", (round_id,))
    return [RoundGroup._from_row(row) for row in await cursor.fetchall()]


async def by_match(conn: Connection, match_id: int) -> RoundGroup | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM round_groups WHERE match_id = ?", (match_id,))
    row = await cursor.fetchone()
    return RoundGroup._from_row(row) if row else None


async def mark_matched(conn: Connection, group_id: int, match_id: int) -> bool:
    """False when the group was already settled (a resumed round must not make it twice)."""
    cursor = await conn.execute(
        "UPDATE round_groups SET state = 'matched', match_id = ? WHERE id = ? AND state = 'planned'",
        (match_id, group_id),
    )
    return cursor.rowcount == 1


async def mark_dropped(conn: Connection, group_id: int) -> bool:
    cursor = await conn.execute(
        "UPDATE round_groups SET state = 'dropped' WHERE id = ? AND state = 'planned'", (group_id,)
    )
    return cursor.rowcount == 1
