"""What the matcher bot remembers: each person's direct room, its sync position.

Kept in the database rather than in the bot's memory, so a restarted bot
reuses the same rooms and resumes its sync where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.context import Kindred
from store import bot_direct_rooms, bot_sync, circles, direct_room_attempts, matches, users
from store.circles import Circle
from store.matches import Match
from store.users import User


@dataclass(frozen=True)
class RoomRole:
    """What a room the bot is in is for: someone's direct room, a match's room, or a circle's."""

    direct_owner: User | None = None
    match: Match | None = None
    circle: Circle | None = None


async def direct_room_of(ctx: Kindred, user_id: int) -> str | None:
    async with ctx.db.read() as conn:
        found = await bot_direct_rooms.for_user(conn, user_id)
    return found.room_id if found else None


async def remember_direct_room(ctx: Kindred, user_id: int, room_id: str) -> None:
    async with ctx.db.transaction() as conn:
        await bot_direct_rooms.put(conn, user_id, room_id)
        await direct_room_attempts.clear(conn, user_id)


async def start_direct_room(ctx: Kindred, user_id: int) -> None:
    """Note, before asking the homeserver, that a direct room is being made."""
    async with ctx.db.transaction() as conn:
        await direct_room_attempts.start(conn, user_id)


async def direct_room_was_started(ctx: Kindred, user_id: int) -> bool:
    """Whether an earlier attempt may have made a direct room it never recorded."""
    async with ctx.db.read() as conn:
        return await direct_room_attempts.exists(conn, user_id)


async def forget_direct_room(ctx: Kindred, room_id: str) -> bool:
    async with ctx.db.transaction() as conn:
        return await bot_direct_rooms.delete_room(conn, room_id)


async def role_of(ctx: Kindred, room_id: str) -> RoomRole | None:
    async with ctx.db.read() as conn:
        direct = await bot_direct_rooms.by_room(conn, room_id)
        if direct is not None:
            owner = await users.get(conn, direct.user_id)
            return RoomRole(direct_owner=owner) if owner is not None else None
        match = await matches.by_room(conn, room_id)
        if match is not None:
            return RoomRole(match=match)
        circle = await circles.by_room(conn, room_id)
    return RoomRole(circle=circle) if circle is not None else None


async def sync_token(ctx: Kindred) -> str | None:
    async with ctx.db.read() as conn:
        return await bot_sync.get(conn)


async def save_sync_token(ctx: Kindred, next_batch: str) -> None:
    async with ctx.db.transaction() as conn:
        await bot_sync.put(conn, next_batch)
