"""The ``presence`` table: each person's online state, as last heard from the homeserver."""

from __future__ import annotations

from dataclasses import dataclass

from store.connection import Connection
from store.timeutil import iso, utc_now

_STATES = ("online", "unavailable", "offline")


@dataclass(frozen=True)
class Presence:
    user_id: int
    state: str
    last_active_at: str | None
    hidden: bool


@dataclass(frozen=True)
class Heard:
    """One presence update for a person of Kindred."""

    user_id: int
    state: str
    last_active_at: str | None


async def record(conn: Connection, updates: list[Heard]) -> None:
    """Upsert a batch of updates (the last one per person wins); ``hidden`` is kept."""
    now = iso(utc_now())
    for update in updates:
        state = update.state if update.state in _STATES else "offline"
        await conn.execute(
            "INSERT INTO presence (user_id, state, last_active_at, hidden, updated_at) VALUES (?, ?, ?, 0, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET state = excluded.state,"
            " last_active_at = COALESCE(excluded.last_active_at, presence.last_active_at),"
            " updated_at = excluded.updated_at",
            (update.user_id, state, update.last_active_at, now),
        )


async def set_hidden(conn: Connection, user_id: int, hidden: bool) -> None:
    await conn.execute(
        "INSERT INTO presence (user_id, hidden, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET hidden = excluded.hidden",
        (user_id, 1 if hidden else 0, iso(utc_now())),
    )


async def for_users(conn: Connection, user_ids: list[int]) -> dict[int, Presence]:
    """The rows of these people (one query); people never heard of are absent."""
    if not user_ids:
        return {}
    marks = ", ".join("?" for _ in user_ids)
    cursor = await conn.execute(
        f"SELECT user_id, state, last_active_at, hidden FROM presence WHERE user_id IN ({marks})",
        tuple(user_ids),
    )
    return {int(row[0]): Presence(int(row[0]), str(row[1]), row[2], bool(row[3])) for row in await cursor.fetchall()}


async def online_among(conn: Connection, user_ids: list[int]) -> int:
    """How many of these people are online now and do not hide it."""
    found = await for_users(conn, user_ids)
    return sum(1 for row in found.values() if row.state == "online" and not row.hidden)


async def people_of(conn: Connection, matrix_user_ids: list[str]) -> dict[str, int]:
    """Kindred's person behind each of these Matrix IDs (a linked ID first,
    then an account here); IDs of nobody on Kindred are absent. Two queries."""
    if not matrix_user_ids:
        return {}
    marks = ", ".join("?" for _ in matrix_user_ids)
    found: dict[str, int] = {}
    cursor = await conn.execute(
        f"SELECT matrix_user_id, id FROM users WHERE matrix_user_id IN ({marks})", tuple(matrix_user_ids)
    )
    found.update((str(row[0]), int(row[1])) for row in await cursor.fetchall())
    cursor = await conn.execute(
        f"SELECT matrix_user_id, user_id FROM matrix_links WHERE matrix_user_id IN ({marks})", tuple(matrix_user_ids)
    )
    found.update((str(row[0]), int(row[1])) for row in await cursor.fetchall())
    return found
