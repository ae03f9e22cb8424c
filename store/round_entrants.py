"""The ``round_entrants`` table: who was in a round, and what became of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection

_COLUMNS = "round_id, user_id, group_id, unpaired_reason"


@dataclass(frozen=True)
class RoundEntrant:
    round_id: int
    user_id: int
    group_id: int | None
    # Why they stayed out of every group (a stable code), when they did.
    unpaired_reason: str | None

    @classmethod
    def _from_row(cls, row: Any) -> RoundEntrant:
        return cls(int(row[0]), int(row[1]), row[2], row[3])


async def insert(
    conn: Connection, round_id: int, user_id: int, group_id: int | None, unpaired_reason: str | None
) -> None:
    await conn.execute(
        f"INSERT INTO round_entrants ({_COLUMNS}) VALUES (?, ?, ?, ?)",
        (round_id, user_id, group_id, unpaired_reason),
    )


async def of_round(conn: Connection, round_id: int) -> list[RoundEntrant]:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM round_entrants WHERE round_id = ? ORDER BY user_id", (round_id,)
    )
    return [RoundEntrant._from_row(row) for row in await cursor.fetchall()]


async def members(conn: Connection, group_id: int) -> list[int]:
    cursor = await conn.execute("SELECT user_id FROM round_entrants WHERE group_id = ? ORDER BY user_id", (group_id,))
    return [int(row[0]) for row in await cursor.fetchall()]


async def latest_for_user(conn: Connection, user_id: int) -> RoundEntrant | None:
    """The person's place in the newest round they were in."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM round_entrants WHERE user_id = ? ORDER BY round_id DESC LIMIT 1", (user_id,)
    )
    row = await cursor.fetchone()
    return RoundEntrant._from_row(row) if row else None


async def recent_groupings(conn: Connection, user_ids: list[int], rounds_each: int) -> list[tuple[int, int]]:
    """(person, group) for the groups each of ``user_ids`` was in, within the last
    ``rounds_each`` rounds that person was in (the repeat window).

    The window is counted per person, so it is read per person; ``user_ids``
    is one round's entrants, read in chunks by the caller.
    """
    if not user_ids or rounds_each <= 0:
        return []
    marks = ", ".join("?" for _ in user_ids)
    # The rounds each was in, newest first, ranked; window functions run on both backends.
    cursor = await conn.execute(
        "SELECT user_id, group_id FROM ("
        " SELECT user_id, group_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY round_id DESC) AS n"
        f" FROM round_entrants WHERE user_id IN ({marks})"
        ") ranked WHERE n <= ? AND group_id IS NOT NULL",
        (*user_ids, rounds_each),
    )
    return [(int(row[0]), int(row[1])) for row in await cursor.fetchall()]


async def members_of_groups(conn: Connection, group_ids: list[int]) -> list[tuple[int, int]]:
    """(group, person) for every member of the given groups."""
    if not group_ids:
        return []
    marks = ", ".join("?" for _ in group_ids)
    cursor = await conn.execute(
        f"SELECT group_id, user_id FROM round_entrants WHERE group_id IN ({marks})", tuple(group_ids)
    )
    return [(int(row[0]), int(row[1])) for row in await cursor.fetchall()]
