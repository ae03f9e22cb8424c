"""The ``circle_members`` table: who is (or was) in a circle, in which role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from store.connection import Connection
from store.timeutil import iso, utc_now

_COLUMNS = "m.circle_id, m.user_id, m.role, m.state, m.reason, m.updated_at, u.username, u.display_name"
_FROM = "circle_members m JOIN users u ON u.id = m.user_id"
OWNER, MODERATOR, MEMBER = "owner", "moderator", "member"
JOINING, JOINED, LEAVING, LEFT, REMOVED, BANNED = "joining", "joined", "leaving", "left", "removed", "banned"
# States that hold a place in the circle (and count against its cap).
SEATED = (JOINING, JOINED)


@dataclass(frozen=True)
class CircleMember:
    circle_id: int
    user_id: int
    role: str
    state: str
    reason: str | None
    updated_at: str
    username: str
    display_name: str

    @property
    def seated(self) -> bool:
        return self.state in SEATED

    @classmethod
    def _from_row(cls, row: Any) -> CircleMember:
        return cls(int(row[0]), int(row[1]), str(row[2]), str(row[3]), row[4], str(row[5]), str(row[6]), str(row[7]))


async def get(conn: Connection, circle_id: int, user_id: int) -> CircleMember | None:
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE m.circle_id = ? AND m.user_id = ?", (circle_id, user_id)
    )
    row = await cursor.fetchone()
    return CircleMember._from_row(row) if row else None


async def put(conn: Connection, circle_id: int, user_id: int, role: str, state: str, reason: str | None = None) -> None:
    """Insert or overwrite the person's row in the circle."""
    await conn.execute(
        "INSERT INTO circle_members (circle_id, user_id, role, state, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (circle_id, user_id) DO UPDATE SET role = excluded.role, state = excluded.state,"
        " reason = excluded.reason, updated_at = excluded.updated_at",
        (circle_id, user_id, role, state, reason, iso(utc_now())),
    )


async def set_state(
    conn: Connection,
    circle_id: int,
    user_id: int,
    state: str,
    reason: str | None = None,
    *,
    only_from: tuple[str, ...] = (),
) -> bool:
    """Move to ``state`` (from one of ``only_from`` when given); False if nothing moved."""
    sql = "UPDATE circle_members SET state = ?, reason = ?, updated_at = ? WHERE circle_id = ? AND user_id = ?"
    params: list[Any] = [state, reason, iso(utc_now()), circle_id, user_id]
    if only_from:
        sql += f" AND state IN ({', '.join('?' for _ in only_from)})"
        params += list(only_from)
    cursor = await conn.execute(sql, params)
    return cursor.rowcount == 1


async def set_role(conn: Connection, circle_id: int, user_id: int, role: str) -> None:
    await conn.execute(
        "UPDATE circle_members SET role = ?, updated_at = ? WHERE circle_id = ? AND user_id = ?",
        (role, iso(utc_now()), circle_id, user_id),
    )


async def page(conn: Connection, circle_id: int, limit: int, offset: int) -> list[CircleMember]:
    """Seated members: owners, then moderators, then members, by name."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE m.circle_id = ? AND m.state IN ('joining', 'joined')"
        " ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END, u.username"
        " LIMIT ? OFFSET ?",
        (circle_id, limit, offset),
    )
    return [CircleMember._from_row(row) for row in await cursor.fetchall()]


async def staff(conn: Connection, circle_id: int) -> list[CircleMember]:
    """Seated owners and moderators."""
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE m.circle_id = ? AND m.state IN ('joining', 'joined')"
        " AND m.role IN ('owner', 'moderator') ORDER BY m.role DESC, u.username",
        (circle_id,),
    )
    return [CircleMember._from_row(row) for row in await cursor.fetchall()]


async def count_owners(conn: Connection, circle_id: int) -> int:
    cursor = await conn.execute(
        "SELECT COUNT(*) FROM circle_members WHERE circle_id = ? AND role = 'owner' AND state IN ('joining', 'joined')",
        (circle_id,),
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def roles_for(conn: Connection, circle_ids: list[int], user_id: int) -> dict[int, CircleMember]:
    """The viewer's row in each of these circles."""
    if not circle_ids:
        return {}
    marks = ", ".join("?" for _ in circle_ids)
    cursor = await conn.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE m.user_id = ? AND m.circle_id IN ({marks})", [user_id, *circle_ids]
    )
    return {int(row[0]): CircleMember._from_row(row) for row in await cursor.fetchall()}


async def seated_ids(conn: Connection, circle_ids: list[int]) -> dict[int, list[int]]:
    """Seated members' user ids per circle (for online counts, in one query)."""
    if not circle_ids:
        return {}
    marks = ", ".join("?" for _ in circle_ids)
    cursor = await conn.execute(
        f"SELECT circle_id, user_id FROM circle_members WHERE circle_id IN ({marks})"
        " AND state IN ('joining', 'joined')",
        circle_ids,
    )
    found: dict[int, list[int]] = {circle_id: [] for circle_id in circle_ids}
    for circle_id, user_id in await cursor.fetchall():
        found[int(circle_id)].append(int(user_id))
    return found


async def circles_of(conn: Connection, user_id: int) -> list[int]:
    """Circles the person holds a place in."""
    cursor = await conn.execute(
        "SELECT circle_id FROM circle_members WHERE user_id = ? AND state IN ('joining', 'joined')", (user_id,)
    )
    return [int(row[0]) for row in await cursor.fetchall()]


async def seated_in_room(conn: Connection, room_id: str, user_ids: list[int]) -> list[int]:
    """Which of these people hold a place in the circle of this room."""
    if not user_ids:
        return []
    marks = ", ".join("?" for _ in user_ids)
    cursor = await conn.execute(
        "SELECT m.user_id FROM circle_members m JOIN circles c ON c.id = m.circle_id"
        f" WHERE c.room_id = ? AND m.state IN ('joining', 'joined') AND m.user_id IN ({marks})",
        [room_id, *user_ids],
    )
    return [int(row[0]) for row in await cursor.fetchall()]


async def first_owners(conn: Connection, circle_ids: list[int]) -> dict[int, str]:
    """Each circle's owner to show: the earliest-named seated owner."""
    if not circle_ids:
        return {}
    marks = ", ".join("?" for _ in circle_ids)
    cursor = await conn.execute(
        "SELECT m.circle_id, MIN(u.username) FROM circle_members m JOIN users u ON u.id = m.user_id"
        f" WHERE m.circle_id IN ({marks}) AND m.role = 'owner' AND m.state IN ('joining', 'joined')"
        " GROUP BY m.circle_id",
        circle_ids,
    )
    return {int(row[0]): str(row[1]) for row in await cursor.fetchall()}


async def online_counts(conn: Connection, circle_ids: list[int]) -> dict[int, int]:
    """How many seated members of each circle are online now and do not hide
    it (the ``presence`` table the bot's sync keeps); one query."""
    if not circle_ids:
        return {}
    marks = ", ".join("?" for _ in circle_ids)
    cursor = await conn.execute(
        "SELECT m.circle_id, COUNT(*) FROM circle_members m JOIN presence p ON p.user_id = m.user_id"
        f" WHERE m.circle_id IN ({marks}) AND m.state IN ('joining', 'joined')"
        " AND p.state = 'online' AND p.hidden = 0 GROUP BY m.circle_id",
        circle_ids,
    )
    return {int(row[0]): int(row[1]) for row in await cursor.fetchall()}


async def successor(conn: Connection, circle_id: int) -> int | None:
    """Who takes over a circle its last owner left: the longest-standing
    moderator, else the longest-standing member (by their row's last change)."""
    cursor = await conn.execute(
        "SELECT user_id FROM circle_members WHERE circle_id = ? AND state IN ('joining', 'joined')"
        " AND role != 'owner' ORDER BY CASE role WHEN 'moderator' THEN 0 ELSE 1 END, updated_at, user_id LIMIT 1",
        (circle_id,),
    )
    row = await cursor.fetchone()
    return int(row[0]) if row else None
