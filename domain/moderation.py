"""What operators can do: grant the operator role, suspend and unsuspend.

Every action is written to ``admin_actions`` in the same transaction as the
change itself, so the log can never disagree with what happened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domain import bot_jobs, circle_jobs, events, people
from domain.circle_moderation import remove_everywhere_txn
from domain.context import Kindred
from domain.errors import KindredError
from domain.ports import HomeserverDown
from store import admin_actions, matches, refresh_tokens, requests, users
from store.admin_actions import AdminAction
from store.connection import Connection
from store.users import User

logger = logging.getLogger(__name__)

COMMAND_LINE = "command line"


@dataclass(frozen=True)
class Suspension:
    user: User
    closed_match_ids: list[int]
    # False when the homeserver could not be reached: Kindred's side holds
    # (login refused, hidden everywhere) and suspending again retries it.
    matrix_locked: bool


def require_admin(user: User) -> None:
    if not user.is_admin or user.status != "active":
        raise KindredError("not_admin")


async def _target(conn: Connection, username: str) -> User:
    return await people.named(conn, username)


async def set_admin(ctx: Kindred, actor: str, username: str, grant: bool) -> User:
    async with ctx.db.transaction() as conn:
        target = await _target(conn, username)
        await users.set_admin(conn, target.id, grant)
        await admin_actions.record(conn, actor, "grant_admin" if grant else "revoke_admin", target.id)
        updated = await users.get(conn, target.id)
    assert updated is not None
    return updated


async def suspend(ctx: Kindred, actor: str, username: str, reason: str = "") -> Suspension:
    async with ctx.db.transaction() as conn:
        target = await _target(conn, username)
        if target.username == actor:
            raise KindredError("cannot_moderate_self")
        await users.set_status(conn, target.id, "suspended")
        closed = await matches.close_open_for_user(conn, target.id)
        for match in closed:
            await bot_jobs.match_closed_txn(conn, match.id, None)
        await requests.cancel_pending_for_user(conn, target.id)
        await refresh_tokens.revoke_user(conn, target.id)
        # Out of every circle too (removed there, not banned: unsuspended, they may rejoin).
        left_circles = await remove_everywhere_txn(conn, target.id)
        await admin_actions.record(conn, actor, "suspend", target.id, reason[:500])
        updated = await users.get(conn, target.id)
    assert updated is not None
    if left_circles:
        circle_jobs.announce(ctx)
    for match in closed:
        ctx.events.publish(events.Event(events.MATCH_CLOSED, (match.user_low, match.user_high), {"match_id": match.id}))
    locked = await _lock(ctx, updated, True)
    return Suspension(updated, [m.id for m in closed], locked)


async def unsuspend(ctx: Kindred, actor: str, username: str) -> Suspension:
    async with ctx.db.transaction() as conn:
        target = await _target(conn, username)
        if target.status == "suspended":
            await users.set_status(conn, target.id, "active")
            await admin_actions.record(conn, actor, "unsuspend", target.id)
        updated = await users.get(conn, target.id)
    assert updated is not None
    return Suspension(updated, [], await _lock(ctx, updated, False))


async def _lock(ctx: Kindred, user: User, locked: bool) -> bool:
    if not user.matrix_user_id:
        return True
    try:
        await ctx.accounts.set_locked(user.matrix_user_id, locked)
    except HomeserverDown as exc:
        logger.warning(
            "could not %s %s on the homeserver: %s", "lock" if locked else "unlock", user.matrix_user_id, exc
        )
        return False
    return True


async def list_users(ctx: Kindred, query: str, limit: int, offset: int = 0) -> list[User]:
    async with ctx.db.read() as conn:
        return await users.page(conn, query.strip(), limit, offset)


async def recent_actions(ctx: Kindred, limit: int, offset: int = 0) -> list[AdminAction]:
    async with ctx.db.read() as conn:
        return await admin_actions.recent(conn, limit, offset)
