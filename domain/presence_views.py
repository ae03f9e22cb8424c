"""Presence for pages that list people: Discover (by username), a circle's
members (by id). A fixed number of queries per page, however many people it
shows; the rule of what is shown is domain/circle_presence.py's."""

from __future__ import annotations

from domain.circle_presence import Seen, seen
from domain.context import Kindred
from store import presence, users


async def of_usernames(ctx: Kindred, usernames: list[str]) -> dict[str, Seen]:
    """People of this homeserver by username (their account's Matrix ID)."""
    if not usernames:
        return {}
    async with ctx.db.read() as conn:
        ids = await presence.people_of(conn, [ctx.links.matrix_user_id(name) for name in usernames])
        people = await users.get_many(conn, sorted(set(ids.values())))
    wanted = set(usernames)
    return await seen(ctx, [person for person in people.values() if person.username in wanted])


async def of_ids(ctx: Kindred, user_ids: list[int]) -> dict[str, Seen]:
    if not user_ids:
        return {}
    async with ctx.db.read() as conn:
        people = await users.get_many(conn, sorted(set(user_ids)))
    return await seen(ctx, list(people.values()))
