"""The ``interests`` and ``user_interests`` tables."""

from __future__ import annotations

from dataclasses import dataclass

from store.connection import Connection


@dataclass(frozen=True)
class HeldInterest:
    """One of a person's interests with how many people share it."""

    id: int
    name: str
    user_count: int


async def for_user(conn: Connection, user_id: int) -> list[HeldInterest]:
    cursor = await conn.execute(
        "SELECT i.id, i.name, i.user_count FROM user_interests ui"
        " JOIN interests i ON i.id = ui.interest_id"
        " WHERE ui.user_id = ? ORDER BY i.name",
        (user_id,),
    )
    return [HeldInterest(*row) for row in await cursor.fetchall()]


async def names_for_users(conn: Connection, user_ids: list[int]) -> dict[int, list[str]]:
    if not user_ids:
        return {}
    marks = ",".join("?" * len(user_ids))
    cursor = await conn.execute(
        "SELECT ui.user_id, i.name FROM user_interests ui"
        " JOIN interests i ON i.id = ui.interest_id"
        f" WHERE ui.user_id IN ({marks}) ORDER BY i.name",
        user_ids,
    )
    result: dict[int, list[str]] = {uid: [] for uid in user_ids}
    for user_id, name in await cursor.fetchall():
        result[user_id].append(name)
    return result


async def get_id(conn: Connection, name: str) -> int | None:
    cursor = await conn.execute("SELECT id FROM interests WHERE name = ?", (name,))
    row = await cursor.fetchone()
    return int(row[0]) if row else None


async def replace_for_user(conn: Connection, user_id: int, names: list[str]) -> None:
    """Make ``names`` the person's interests, keeping ``user_count`` exact.

    Must run inside a write transaction: the counts and the links change
    together or not at all.
    """
    current = {held.name: held.id for held in await for_user(conn, user_id)}
    wanted = set(names)
    removed = [current[name] for name in current.keys() - wanted]
    added = sorted(wanted - current.keys())
    for interest_id in removed:
        await conn.execute(
            "DELETE FROM user_interests WHERE user_id = ? AND interest_id = ?",
            (user_id, interest_id),
        )
        await conn.execute("UPDATE interests SET user_count = user_count - 1 WHERE id = ?", (interest_id,))
    for name in added:
        await conn.execute(
            "INSERT INTO interests (name, user_count) VALUES (?, 1)"
            " ON CONFLICT (name) DO UPDATE SET user_count = interests.user_count + 1",
            (name,),
        )
        added_id = await get_id(conn, name)
        await conn.execute(
            "INSERT INTO user_interests (user_id, interest_id) VALUES (?, ?)",
            (user_id, added_id),
        )


async def names_by_id(conn: Connection, interest_ids: list[int]) -> dict[int, str]:
    if not interest_ids:
        return {}
    marks = ",".join("?" * len(interest_ids))
    cursor = await conn.execute(f"SELECT id, name FROM interests WHERE id IN ({marks})", interest_ids)
    return {int(row[0]): str(row[1]) for row in await cursor.fetchall()}


async def links_between(conn: Connection, first_user_id: int, last_user_id: int) -> list[tuple[int, int]]:
    """(person, interest) for the active people with ids in [first, last], by person."""
    cursor = await conn.execute(
        "SELECT ui.user_id, ui.interest_id FROM user_interests ui JOIN users u ON u.id = ui.user_id"
        " WHERE ui.user_id BETWEEN ? AND ? AND u.status = 'active' ORDER BY ui.user_id, ui.interest_id",
        (first_user_id, last_user_id),
    )
    return [(int(row[0]), int(row[1])) for row in await cursor.fetchall()]


async def links_of(conn: Connection, user_ids: list[int]) -> list[tuple[int, int]]:
    """(person, interest) for each of ``user_ids``, whatever their standing."""
    if not user_ids:
        return []
    marks = ",".join("?" * len(user_ids))
    cursor = await conn.execute(
        f"SELECT user_id, interest_id FROM user_interests WHERE user_id IN ({marks}) ORDER BY user_id, interest_id",
        user_ids,
    )
    return [(int(row[0]), int(row[1])) for row in await cursor.fetchall()]


async def names_above(conn: Connection, after_id: int) -> dict[int, str]:
    """Every interest's name by id, for ids above ``after_id``."""
    cursor = await conn.execute("SELECT id, name FROM interests WHERE id > ?", (after_id,))
    return {int(row[0]): str(row[1]) for row in await cursor.fetchall()}
