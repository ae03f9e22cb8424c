"""Matches as people see them: who, which room, and what they share."""

from __future__ import annotations

from dataclasses import dataclass

from domain.context import Kindred
from domain.errors import KindredError
from store import interests, matches, users
from store.matches import Match
from store.users import User


@dataclass(frozen=True)
class MatchView:
    id: int
    other: User
    status: str
    room_id: str | None
    room_url: str | None
    shared_interests: list[str]
    created_at: str


def shared(a: list[str], b: list[str]) -> list[str]:
    """The interests two people share, in a stable (alphabetical) order."""
    return sorted(set(a) & set(b))


async def list_matches(ctx: Kindred, user: User, limit: int = 200) -> list[MatchView]:
    async with ctx.db.read() as conn:
        rows = await matches.list_for_user(conn, user.id, limit)
        others = await users.get_many(conn, [m.other(user.id) for m in rows])
        names = await interests.names_for_users(conn, [user.id, *others])
    return [
        MatchView(
            m.id,
            others[m.other(user.id)],
            m.status,
            m.room_id,
            ctx.links.room_url(m.room_id),
            shared(names[user.id], names[m.other(user.id)]),
            m.created_at,
        )
        for m in rows
    ]


async def get_match(ctx: Kindred, user: User, match_id: int) -> MatchView:
    for view in await list_matches(ctx, user):
        if view.id == match_id:
            return view
    raise KindredError("match_not_found")


async def load(ctx: Kindred, match_id: int) -> Match | None:
    async with ctx.db.read() as conn:
        return await matches.get(conn, match_id)
