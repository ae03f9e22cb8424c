"""The ``rounds`` table: one row per round, claimed once by its slot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection

_COLUMNS = (
    "id, slot, status, due_count, paired_count, trio_count, unpaired_count, method, total_weight,"
    " claimed_at, planned_at, done_at"
)
CLAIMED, PLANNED, DONE = "claimed", "planned", "done"


@dataclass(frozen=True)
class Round:
    id: int
    # What makes it this round: a scheduled hour ("2026-12-07T09:00Z") or a run by hand ("run 2026-...").
    slot: str
    status: str
    due_count: int
    # Groups made, the trio included (people introduced: 2 * paired + trios).
    paired_count: int
    trio_count: int
    unpaired_count: int
    method: str
    total_weight: float
    claimed_at: str
    planned_at: str | None
    done_at: str | None

    @classmethod
    def _from_row(cls, row: Any) -> Round:
        return cls(
            int(row[0]),
            str(row[1]),
            str(row[2]),
            int(row[3]),
            int(row[4]),
            int(row[5]),
            int(row[6]),
            str(row[7]),
            float(row[8]),
            str(row[9]),
            row[10],
            row[11],
        )


async def claim(conn: Connection, slot: str, at: str) -> int | None:
    """Take the slot; None when some run already took it (it then runs there, not here)."""
    cursor = await conn.execute(
        "INSERT INTO rounds (slot, status, claimed_at) VALUES (?, 'claimed', ?) ON CONFLICT (slot) DO NOTHING"
        " RETURNING id",
        (slot, at),
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else None


async def get(conn: Connection, round_id: int) -> Round | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM rounds WHERE id = ?", (round_id,))
    row = await cursor.fetchone()
    return Round._from_row(row) if row else None


async def by_slot(conn: Connection, slot: str) -> Round | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM rounds WHERE slot = ?", (slot,))
    row = await cursor.fetchone()
    return Round._from_row(row) if row else None


async def claimed_slots(conn: Connection, slots: list[str]) -> set[str]:
    if not slots:
        return set()
    marks = ", ".join("?" for _ in slots)
    cursor = await conn.execute(f"SELECT slot FROM rounds WHERE slot IN ({marks})", tuple(slots))
    return {str(row[0]) for row in await cursor.fetchall()}


async def unfinished(conn: Connection) -> list[Round]:
    """Rounds a crash interrupted, oldest first."""
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM rounds WHERE status <> 'done' ORDER BY id")
    return [Round._from_row(row) for row in await cursor.fetchall()]


async def mark_planned(
    conn: Connection,
    round_id: int,
    at: str,
    due: int,
    paired: int,
    trios: int,
    unpaired: int,
    method: str,
    total_weight: float,
) -> bool:
    """Record the plan's figures; False when another run planned it first."""
    cursor = await conn.execute(
        "UPDATE rounds SET status = 'planned', planned_at = ?, due_count = ?, paired_count = ?, trio_count = ?,"
        " unpaired_count = ?, method = ?, total_weight = ? WHERE id = ? AND status = 'claimed'",
        (at, due, paired, trios, unpaired, method, total_weight, round_id),
    )
    return cursor.rowcount == 1


async def mark_done(conn: Connection, round_id: int, at: str) -> None:
    await conn.execute(
        "UPDATE rounds SET status = 'done', done_at = ? WHERE id = ? AND status <> 'done'", (at, round_id)
    )


async def recent(conn: Connection, limit: int) -> list[Round]:
    """The newest rounds first (the operator's page)."""
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM rounds ORDER BY id DESC LIMIT ?", (limit,))
    return [Round._from_row(row) for row in await cursor.fetchall()]
