"""Homeserver work for circles, written with the change that needs it.

A circle's room is made before anything else of it runs; a person's jobs in
a circle run in the order they were queued, and the circle's own (roles,
name, archive) too, one at a time (store/circle_jobs.py), each retried with
a capped backoff until the homeserver takes it, so a create or join while
the homeserver is down is completed when it returns, never half-done. Kinds:

- ``create_room``: make the circle's room in Kindred's Space (the Space too,
  the first time) and record it;
- ``join``: put a member in the room: at once for people of this homeserver
  (the admin join API), by invite for a linked Matrix ID of another server;
- ``leave`` / ``kick`` / ``ban`` / ``unban``: the same in the room;
- ``roles``: power levels matching Kindred's owners and moderators;
- ``profile``: the room's name and topic following the circle's;
- ``archive``: a closed circle's room turns read-only and leaves the Space.

A job reads the circle as it is when it runs (its roles, its name), not as
it was when queued, so a stale job never undoes a newer change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from domain import circle_rules, events, matrix_ids
from domain.context import Kindred
from domain.provisioning import backoff
from store import circle_jobs, circle_members, circles, instance, matrix_id_links, users
from store.circle_jobs import CircleJob
from store.circles import Circle
from store.connection import Connection
from store.database import POSTGRESQL
from store.timeutil import iso, utc_now

logger = logging.getLogger(__name__)

CREATE_ROOM, JOIN, LEAVE, KICK, BAN, UNBAN = "create_room", "join", "leave", "kick", "ban", "unban"
ROLES, PROFILE, ARCHIVE = "roles", "profile", "archive"
# Circle work waits at most this long between tries: a join queued while the
# homeserver was down should land soon after it returns.
MAX_DELAY = timedelta(seconds=30)
MAX_ATTEMPTS = 200

# Kindred's roles as the room's power levels (the bot's own is 100).
LEVELS = {circle_rules.OWNER: 75, circle_rules.MODERATOR: 50, circle_rules.MEMBER: 0}


async def enqueue_txn(
    conn: Connection, circle_id: int, kind: str, *, user_id: int | None = None, reason: str | None = None
) -> None:
    await circle_jobs.enqueue(conn, circle_id, kind, user_id=user_id, payload={"reason": reason} if reason else None)


def announce(ctx: Kindred) -> None:
    """Wake the worker (after the transaction that queued work committed)."""
    ctx.events.publish(events.Event(events.CIRCLE_JOB_QUEUED))


@dataclass(frozen=True)
class JobPlan:
    """What one job needs to know, read when it runs."""

    job: CircleJob
    circle: Circle
    instance_id: str
    space_id: str | None
    # The person's Matrix ID to act on (their linked one, if any), and
    # whether it is on Kindred's homeserver (joined at once) or not (invited).
    matrix_user_id: str | None
    local: bool
    # Their state in the circle now (a join whose person left meanwhile is skipped).
    member_state: str | None
    # ``roles``: every member's power level, staff above 0, demoted ones at 0.
    levels: dict[str, int]

    @property
    def reason(self) -> str:
        return str(self.job.payload.get("reason") or "")


async def heads(ctx: Kindred, limit: int) -> list[CircleJob]:
    if ctx.db.dialect == POSTGRESQL:
        # Other workers may share the queue: only what none of them holds.
        async with ctx.db.transaction() as conn:
            return await circle_jobs.claim_heads(conn, limit, ctx.worker_id, utc_now())
    async with ctx.db.read() as conn:
        return await circle_jobs.heads(conn, limit)


async def plan(ctx: Kindred, job: CircleJob) -> JobPlan | None:
    """None when the circle is gone (nothing left to do)."""
    async with ctx.db.read() as conn:
        circle = await circles.get(conn, job.circle_id)
        if circle is None:
            return None
        mxid, state = None, None
        if job.user_id is not None:
            user = await users.get(conn, job.user_id)
            member = await circle_members.get(conn, job.circle_id, job.user_id)
            state = member.state if member is not None else None
            if user is not None:
                mxid = matrix_ids.effective(user, await matrix_id_links.for_user(conn, user.id))
        levels = await _levels(conn, circle.id, job.user_id) if job.kind == ROLES else {}
        return JobPlan(
            job=job,
            circle=circle,
            instance_id=await instance.get_id(conn),
            space_id=await circles.space_id(conn),
            matrix_user_id=mxid,
            local=mxid is not None and matrix_ids.server_of(mxid) == ctx.links.server_name,
            member_state=state,
            levels=levels,
        )


async def _levels(conn: Connection, circle_id: int, user_id: int | None) -> dict[str, int]:
    """Owners and moderators at their levels, by the Matrix ID they are in the
    room with; the job's person too, at 0 when they are staff no longer (a
    demotion, a removal), since the room's map is merged, not replaced."""
    staff = await circle_members.staff(conn, circle_id)
    ids = [member.user_id for member in staff] + ([user_id] if user_id is not None else [])
    people = await matrix_ids.with_effective_ids(conn, await users.get_many(conn, ids))
    levels: dict[str, int] = {}
    if user_id is not None and user_id in people and people[user_id].matrix_user_id:
        levels[people[user_id].matrix_user_id or ""] = 0
    for member in staff:
        mxid = people[member.user_id].matrix_user_id if member.user_id in people else None
        if mxid:
            levels[mxid] = LEVELS[member.role]
    return levels


async def record_space(ctx: Kindred, room_id: str) -> str:
    """Keep the Space made; the first one recorded wins (returned)."""
    async with ctx.db.transaction() as conn:
        return await circles.set_space_id(conn, room_id)


async def record_room(ctx: Kindred, circle_id: int, room_id: str) -> None:
    async with ctx.db.transaction() as conn:
        await circles.set_room(conn, circle_id, room_id)


async def joined(ctx: Kindred, plan: JobPlan) -> None:
    """The homeserver put them in: joining -> joined (a federated invite
    stays joining until they accept; the sync reports that)."""
    assert plan.job.user_id is not None
    async with ctx.db.transaction() as conn:
        moved = await circle_members.set_state(
            conn, plan.circle.id, plan.job.user_id, circle_members.JOINED, only_from=(circle_members.JOINING,)
        )
        member = await circle_members.get(conn, plan.circle.id, plan.job.user_id)
        await circle_jobs.finish(conn, plan.job.id)
        circle = await circles.get(conn, plan.circle.id)
    if moved and member is not None and circle is not None:
        publish(ctx, events.CIRCLE_JOINED, circle, member.user_id, member.username)


async def left(ctx: Kindred, plan: JobPlan) -> None:
    """The homeserver let them go: leaving -> left."""
    assert plan.job.user_id is not None
    async with ctx.db.transaction() as conn:
        await circle_members.set_state(
            conn, plan.circle.id, plan.job.user_id, circle_members.LEFT, only_from=(circle_members.LEAVING,)
        )
        await circle_jobs.finish(conn, plan.job.id)


async def finish(ctx: Kindred, job: CircleJob) -> None:
    async with ctx.db.transaction() as conn:
        await circle_jobs.finish(conn, job.id)


async def refused(ctx: Kindred, plan: JobPlan, error: str) -> None:
    """The homeserver refused for good (not an outage): the job is given up so
    the circle's later work is not held behind it; a refused join gives the
    place back, as the person never got in."""
    job = plan.job
    logger.error("circle job %d (%s) refused by the homeserver: %s", job.id, job.kind, error)
    member = None
    async with ctx.db.transaction() as conn:
        await circle_jobs.retry_later(conn, job.id, job.attempts + 1, iso(utc_now()), error)
        await circle_jobs.finish(conn, job.id, "failed")
        if job.kind == JOIN and job.user_id is not None:
            if await circle_members.set_state(
                conn, plan.circle.id, job.user_id, circle_members.LEFT, "refused", only_from=(circle_members.JOINING,)
            ):
                await circles.free_seat(conn, plan.circle.id)
                member = await circle_members.get(conn, plan.circle.id, job.user_id)
        circle = await circles.get(conn, plan.circle.id)
    if member is not None and circle is not None:
        publish(ctx, events.CIRCLE_LEFT, circle, member.user_id, member.username)


async def retry_later(ctx: Kindred, job: CircleJob, error: str, retry_after_ms: int | None = None) -> timedelta:
    """Count a failed try and schedule the next; a job failing for days is given up."""
    attempts = job.attempts + 1
    delay = min(backoff(attempts, retry_after_ms), max(MAX_DELAY, timedelta(milliseconds=retry_after_ms or 0)))
    async with ctx.db.transaction() as conn:
        await circle_jobs.retry_later(conn, job.id, attempts, iso(utc_now() + delay), error)
        if attempts >= MAX_ATTEMPTS:
            await circle_jobs.finish(conn, job.id, "failed")
            logger.error("circle job %d (%s) failed %d times; giving up: %s", job.id, job.kind, attempts, error)
    logger.warning("circle job %d (%s) failed (%s); retry in %s", job.id, job.kind, error, delay)
    return delay


async def queue_depth(ctx: Kindred) -> int:
    async with ctx.db.read() as conn:
        return await circle_jobs.count_queued(conn)


def publish(ctx: Kindred, kind: str, circle: Circle, user_id: int | None, username: str | None) -> None:
    ctx.events.publish(
        events.Event(
            kind,
            (user_id,) if user_id is not None else (),
            {"circle_id": circle.id, "slug": circle.slug, "username": username, "member_count": circle.seats},
        )
    )
