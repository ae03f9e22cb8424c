"""Matches as people see them: who, which room, and what they share."""

from __future__ import annotations

from dataclasses import dataclass

from domain import bot_jobs, events, matrix_ids
from domain.context import Kindred
from domain.errors import KindredError
from store import interests, matches, users
from store.connection import Connection
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
    # A round's trio: the third person, besides ``other`` (empty for a pair).
    also: tuple[User, ...] = ()


def shared(a: list[str], b: list[str]) -> list[str]:
    """The interests two people share, in a stable (alphabetical) order."""
    return sorted(set(a) & set(b))


async def list_matches(ctx: Kindred, user: User, limit: int = 200, offset: int = 0) -> list[MatchView]:
    async with ctx.db.read() as conn:
        rows = await matches.list_for_user(conn, user.id, limit, offset)
        return await _views(ctx, conn, user, rows)


async def get_match(ctx: Kindred, user: User, match_id: int) -> MatchView:
    """One of ``user``'s matches by its id, however old (404 for anyone else's)."""
    async with ctx.db.read() as conn:
        match = await own_match(conn, user, match_id)
        return (await _views(ctx, conn, user, [match]))[0]


async def _views(ctx: Kindred, conn: Connection, user: User, rows: list[Match]) -> list[MatchView]:
    ids = {member for m in rows for member in m.members if member != user.id}
    others = await matrix_ids.with_effective_ids(conn, await users.get_many(conn, sorted(ids)))
    names = await interests.names_for_users(conn, [user.id, *others])
    views = []
    for m in rows:
        rest = [others[member] for member in m.members if member != user.id]
        views.append(
            MatchView(
                m.id,
                others[m.other(user.id)],
                m.status,
                m.room_id,
                ctx.links.room_url(m.room_id),
                # In a trio: what you share with at least one of the other two.
                sorted({n for person in rest for n in shared(names[user.id], names[person.id])}),
                m.created_at,
                tuple(person for person in rest if person.id != m.other(user.id)),
            )
        )
    return views


async def load(ctx: Kindred, match_id: int) -> Match | None:
    async with ctx.db.read() as conn:
        return await matches.get(conn, match_id)


async def shared_between(ctx: Kindred, a: int, b: int) -> list[str]:
    async with ctx.db.read() as conn:
        names = await interests.names_for_users(conn, [a, b])
    return shared(names[a], names[b])


def shared_by_some(held: list[list[str]]) -> list[str]:
    """What a pair shares; in a trio, what at least two of the three share."""
    if len(held) == 2:
        return shared(held[0], held[1])
    counts: dict[str, int] = {}
    for names in held:
        for name in set(names):
            counts[name] = counts.get(name, 0) + 1
    return sorted(name for name, count in counts.items() if count >= 2)


async def shared_in(ctx: Kindred, match: Match) -> list[str]:
    """What the people of a match share (a trio: what at least two of them do)."""
    async with ctx.db.read() as conn:
        names = await interests.names_for_users(conn, list(match.members))
    return shared_by_some([names[member] for member in match.members])


async def close_match(ctx: Kindred, user: User, match_id: int) -> MatchView:
    """Either of the two may close their match; the bot then empties its room (a job)."""
    async with ctx.db.transaction() as conn:
        match = await own_match(conn, user, match_id)
        if not await matches.close(conn, match.id):
            raise KindredError("match_closed")
        await bot_jobs.match_closed_txn(conn, match.id, user.id)
    announce_closed(ctx, match, user.id)
    return await get_match(ctx, user, match_id)


async def own_match(conn: Connection, user: User, match_id: int) -> Match:
    match = await matches.get(conn, match_id)
    # Someone outside the match learns nothing, not even that it exists.
    if match is None or not match.involves(user.id):
        raise KindredError("match_not_found")
    return match


def announce_closed(ctx: Kindred, match: Match, closed_by: int | None) -> None:
    """Publish ``match.closed`` (after the commit that closed it)."""
    ctx.events.publish(
        events.Event(
            events.MATCH_CLOSED,
            (match.user_low, match.user_high),
            {"match_id": match.id, "room_id": match.room_id, "closed_by": closed_by},
        )
    )


async def people(ctx: Kindred, match: Match) -> tuple[User, ...]:
    """The people of a match (two, or a round's three), lower id first, each
    with the Matrix ID in their room."""
    async with ctx.db.read() as conn:
        found = await matrix_ids.with_effective_ids(conn, await users.get_many(conn, list(match.members)))
    return tuple(found[user_id] for user_id in match.members)
