"""The ``circles`` and ``circle_space`` tables: group rooms about one interest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.errors import UniqueViolation
from store.timeutil import iso, utc_now

_COLUMNS = (
    "c.id, c.slug, c.name, c.name_key, c.interest_id, i.name, c.description, c.member_cap, c.seats, c.status,"
    " c.room_id, c.created_by, c.created_at, c.last_activity_at"
)
_FROM = "circles c JOIN interests i ON i.id = c.interest_id"
OPEN, CLOSED = "open", "closed"


@dataclass(frozen=True)
class Circle:
    id: int
    slug: str
    name: str
    name_key: str
    interest_id: int
    interest: str
    description: str
    member_cap: int
    # Members holding a place (joining or joined): what the cap counts.
    seats: int
    status: str
    # None until the homeserver made the room.
    room_id: str | None
    created_by: int | None
    created_at: str
    last_activity_at: str

    @classmethod
    def _from_row(cls, row: Any) -> Circle:
        return cls(
            int(row[0]),
            str(row[1]),
            str(row[2]),
            str(row[3]),
            int(row[4]),
            str(row[5]),
            str(row[6]),
            int(row[7]),
            int(row[8]),
            str(row[9]),
            row[10],
            row[11],
            str(row[12]),
            str(row[13]),
        )


async def insert(
    conn: Connection,
    *,
    slug: str,
    name: str,
    name_key: str,
    interest_id: int,
    description: str,
    member_cap: int,
    created_by: int,
) -> int:
    """Raises UniqueViolation when the slug or the name (for this interest) is taken."""
    now = iso(utc_now())
    cursor = await conn.execute(
        "INSERT INTO circles (slug, name, name_key, interest_id, description, member_cap, status, created_by,"
        " created_at, last_activity_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id",
        (slug, name, name_key, interest_id, description, member_cap, created_by, now, now),
    )
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def get(conn: Connection, circle_id: int) -> Circle | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM {_FROM} WHERE c.id = ?", (circle_id,))
    row = await cursor.fetchone()
    return Circle._from_row(row) if row else None


async def by_slug(conn: Connection, slug: str) -> Circle | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM {_FROM} WHERE c.slug = ?", (slug,))
    row = await cursor.fetchone()
    return Circle._from_row(row) if row else None


async def by_room(conn: Connection, room_id: str) -> Circle | None:
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM {_FROM} WHERE c.room_id = ?", (room_id,))
    row = await cursor.fetchone()
    return Circle._from_row(row) if row else None


async def slug_taken(conn: Connection, slug: str) -> bool:
    cursor = await conn.execute("SELECT 1 FROM circles WHERE slug = ?", (slug,))
    return await cursor.fetchone() is not None


async def listing(
    conn: Connection, *, viewer_id: int, interest_id: int | None, query: str, limit: int, offset: int
) -> list[Circle]:
    """Open circles, those about the viewer's interests first, then by how many
    members share the viewer's interests, then by recent activity.

    One query whatever the page: the shared-member count is a grouped join.
    """
    where = ["c.status = 'open'"]
    params: list[Any] = [viewer_id, viewer_id]
    if interest_id is not None:
        where.append("c.interest_id = ?")
        params.append(interest_id)
    if query:
        where.append("lower(c.name) LIKE lower(?) ESCAPE '\\'")
        params.append(_contains(query))
    params += [limit, offset]
    cursor = await conn.execute(
        f"SELECT {_COLUMNS},"
        " CASE WHEN c.interest_id IN (SELECT interest_id FROM user_interests WHERE user_id = ?) THEN 1 ELSE 0 END"
        " AS mine,"
        " (SELECT COUNT(DISTINCT m.user_id) FROM circle_members m"
        "  JOIN user_interests theirs ON theirs.user_id = m.user_id"
        "  JOIN user_interests ours ON ours.interest_id = theirs.interest_id AND ours.user_id = ?"
        "  WHERE m.circle_id = c.id AND m.state = 'joined') AS kindred"
        f" FROM {_FROM} WHERE {' AND '.join(where)}"
        " ORDER BY mine DESC, kindred DESC, c.last_activity_at DESC, c.id DESC LIMIT ? OFFSET ?",
        params,
    )
    return [Circle._from_row(row) for row in await cursor.fetchall()]


async def take_seat(conn: Connection, circle_id: int) -> bool:
    """One place taken if the cap allows; False when the circle is full.

    A single conditional UPDATE: two joins racing for the last place cannot
    both win, on SQLite or PostgreSQL.
    """
    cursor = await conn.execute(
        "UPDATE circles SET seats = seats + 1 WHERE id = ? AND seats < member_cap", (circle_id,)
    )
    return cursor.rowcount == 1


async def free_seat(conn: Connection, circle_id: int) -> None:
    await conn.execute("UPDATE circles SET seats = seats - 1 WHERE id = ? AND seats > 0", (circle_id,))


async def update_profile(conn: Connection, circle_id: int, name: str, name_key: str, description: str) -> None:
    await conn.execute(
        "UPDATE circles SET name = ?, name_key = ?, description = ? WHERE id = ?",
        (name, name_key, description, circle_id),
    )


async def set_cap(conn: Connection, circle_id: int, member_cap: int) -> None:
    await conn.execute("UPDATE circles SET member_cap = ? WHERE id = ?", (member_cap, circle_id))


async def set_room(conn: Connection, circle_id: int, room_id: str) -> None:
    await conn.execute("UPDATE circles SET room_id = ? WHERE id = ? AND room_id IS NULL", (room_id, circle_id))


async def close(conn: Connection, circle_id: int) -> None:
    await conn.execute("UPDATE circles SET status = 'closed' WHERE id = ?", (circle_id,))


async def touch(conn: Connection, circle_id: int, at: str) -> None:
    """Record activity (a message, a join) for the listing's order."""
    await conn.execute(
        "UPDATE circles SET last_activity_at = ? WHERE id = ? AND last_activity_at < ?", (at, circle_id, at)
    )


async def open_room_ids(conn: Connection) -> list[str]:
    cursor = await conn.execute("SELECT room_id FROM circles WHERE room_id IS NOT NULL")
    return [str(row[0]) for row in await cursor.fetchall()]


async def space_id(conn: Connection) -> str | None:
    cursor = await conn.execute("SELECT room_id FROM circle_space WHERE id = 1")
    row = await cursor.fetchone()
    return str(row[0]) if row else None


async def set_space_id(conn: Connection, room_id: str) -> str:
    """Keep the first Space recorded; returns the one kept."""
    try:
        await conn.execute(
            "INSERT INTO circle_space (id, room_id, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
            (room_id, iso(utc_now())),
        )
    except UniqueViolation:
        pass
    kept = await space_id(conn)
    assert kept is not None
    return kept


def _contains(query: str) -> str:
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def name_taken(conn: Connection, interest_id: int, name_key: str, other_than: int | None = None) -> bool:
    cursor = await conn.execute(
        "SELECT 1 FROM circles WHERE interest_id = ? AND name_key = ? AND id != ?",
        (interest_id, name_key, other_than or 0),
    )
    return await cursor.fetchone() is not None
