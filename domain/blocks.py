"""Blocking: a pair who may never again find or request each other.

A block closes their open match and ends any pending request between them in
the same transaction, so no half-blocked state is ever visible. Who blocked
whom is never shown to the other person.

Each person's block is their own: both of a pair may block each other, each
lifts only theirs, and the two stay apart while either block remains.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain import bot_jobs, events, people
from domain.context import Kindred
from domain.errors import KindredError
from domain.matches import announce_closed, own_match
from store import blocks, matches, requests, users
from store.connection import Connection
from store.matches import Match
from store.requests import Request
from store.users import User


@dataclass(frozen=True)
class BlockOutcome:
    other: User
    closed_match: Match | None = None
    ended_request: Request | None = None


async def block_user(ctx: Kindred, blocker: User, username: object) -> BlockOutcome:
    if not isinstance(username, str) or not username.strip():
        raise KindredError("user_not_found")
    async with ctx.db.transaction() as conn:
        other = await people.named(conn, username)
        if other.id == blocker.id:
            raise KindredError("cannot_block_self")
        outcome = await _block_txn(conn, blocker, other)
    _announce(ctx, blocker, outcome)
    return outcome


async def block_match(ctx: Kindred, blocker: User, match_id: int) -> BlockOutcome:
    """Unmatch and block the other person of one of your matches."""
    async with ctx.db.transaction() as conn:
        match = await own_match(conn, blocker, match_id)
        other = await users.get(conn, match.other(blocker.id))
        assert other is not None
        outcome = await _block_txn(conn, blocker, other)
    _announce(ctx, blocker, outcome)
    return outcome


async def _block_txn(conn: Connection, blocker: User, other: User) -> BlockOutcome:
    await blocks.insert(conn, blocker.id, other.id)
    closed = await matches.open_between(conn, blocker.id, other.id)
    if closed is not None:
        await matches.close(conn, closed.id)
        await bot_jobs.match_closed_txn(conn, closed.id, blocker.id)
    ended = await requests.pending_between(conn, blocker.id, other.id)
    if ended is not None:
        status = "withdrawn" if ended.from_user_id == blocker.id else "rejected"
        await requests.decide(conn, ended.id, status)
        ended = await requests.get(conn, ended.id)
    return BlockOutcome(other, closed, ended)


def _announce(ctx: Kindred, blocker: User, outcome: BlockOutcome) -> None:
    if outcome.closed_match is not None:
        announce_closed(ctx, outcome.closed_match, blocker.id)
    request = outcome.ended_request
    if request is not None:
        kind = events.REQUEST_WITHDRAWN if request.status == "withdrawn" else events.REQUEST_REJECTED
        ctx.events.publish(events.Event(kind, (request.from_user_id, request.to_user_id), {"request_id": request.id}))


async def is_blocked(conn: Connection, a: int, b: int) -> bool:
    """Whether a block stands between the two, whichever of them made it."""
    return await blocks.between(conn, a, b) is not None


@dataclass(frozen=True)
class BlockedPerson:
    username: str
    display_name: str
    since: str


async def my_blocks(ctx: Kindred, user: User) -> list[BlockedPerson]:
    """The blocks ``user`` made (not those others made against them: never shown)."""
    async with ctx.db.read() as conn:
        rows = await blocks.by_blocker(conn, user.id)
        people = await users.get_many(conn, [other for other, _ in rows])
    return [
        BlockedPerson(people[other].username, people[other].display_name, since)
        for other, since in rows
        if other in people
    ]


async def unblock(ctx: Kindred, user: User, username: object) -> User:
    """Lift your own block. They may find and request each other again,
    unless the other person blocked too: that block stands."""
    if not isinstance(username, str):
        raise KindredError("block_not_found")
    async with ctx.db.transaction() as conn:
        other = await people.by_username(conn, username)
        if other is None or not await blocks.delete_own(conn, user.id, other.id):
            raise KindredError("block_not_found")
    return other
