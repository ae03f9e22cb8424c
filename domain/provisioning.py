"""The durable queue that turns a new match into a Matrix room.

The bot drives it: ``plan`` says what the room should be, ``record_room``
stores the room id as soon as the homeserver returns it (so a retry never
makes a second room), ``complete`` marks the match ready and the job done in
one transaction, and ``retry_later`` reschedules with capped exponential
backoff, honouring the homeserver's own ``retry_after``.

Rooms the homeserver holds but the database does not (an attempt that died
between ``createRoom`` and ``record_room``, or a creation that died part-way)
are judged by ``verdict``: the one complete room of a match still waiting
for its room is adopted, anything else is debris to purge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from domain import events, matrix_ids
from domain.context import Kindred
from domain.matches import shared_by_some
from store import bot_direct_rooms, instance, interests, jobs, matches, round_groups, users
from store.database import POSTGRESQL
from store.jobs import Job
from store.timeutil import iso, utc_now
from store.users import User

logger = logging.getLogger(__name__)

BASE_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=5)
# Room ids asked about in one query.
_CHUNK = 500

ADOPT, PURGE, KEEP = "adopt", "purge", "keep"


@dataclass(frozen=True)
class RoomPlan:
    match_id: int
    status: str
    room_id: str | None
    # Two people, or three for a round's trio; the first named first.
    people: tuple[User, ...]
    shared_interests: list[str]
    # Marks the room with (instance, match) so a retry can find it again.
    instance_id: str
    # Made by a scheduled round rather than an accepted request.
    from_round: bool = False

    @property
    def name(self) -> str:
        names = [person.display_name for person in self.people]
        return ", ".join(names[:-1]) + " & " + names[-1]


async def due_jobs(ctx: Kindred, limit: int = 50) -> list[Job]:
    if ctx.db.dialect == POSTGRESQL:
        # Other workers may share the queue: only what none of them holds.
        async with ctx.db.transaction() as conn:
            return await jobs.claim_due(conn, limit, ctx.worker_id, utc_now())
    async with ctx.db.read() as conn:
        return await jobs.due(conn, limit)


async def plan(ctx: Kindred, match_id: int) -> RoomPlan | None:
    async with ctx.db.read() as conn:
        match = await matches.get(conn, match_id)
        if match is None:
            return None
        # Each carries the Matrix ID to invite: their linked one, if any.
        people = await matrix_ids.with_effective_ids(conn, await users.get_many(conn, list(match.members)))
        names = await interests.names_for_users(conn, list(match.members))
        instance_id = await instance.get_id(conn)
        from_round = await round_groups.by_match(conn, match.id) is not None
    # The requester's name first reads naturally: "Ada & Bo".
    members = tuple(people[user_id] for user_id in match.members)
    return RoomPlan(
        match.id,
        match.status,
        match.room_id,
        members,
        shared_by_some([names[person.id] for person in members]),
        instance_id,
        from_round,
    )


async def record_room(ctx: Kindred, match_id: int, room_id: str) -> None:
    async with ctx.db.transaction() as conn:
        await matches.set_room(conn, match_id, room_id)


async def room_of(ctx: Kindred, match_id: int) -> tuple[str, str | None] | None:
    """The match's status and recorded room; None when there is no such match."""
    async with ctx.db.read() as conn:
        match = await matches.get(conn, match_id)
    return None if match is None else (match.status, match.room_id)


async def adopt(ctx: Kindred, match_id: int, room_id: str) -> bool:
    """Record a room found on the homeserver; False if the match already holds another."""
    async with ctx.db.transaction() as conn:
        await matches.set_room(conn, match_id, room_id)
        match = await matches.get(conn, match_id)
    return match is not None and match.room_id == room_id


async def unrecorded(ctx: Kindred, room_ids: list[str]) -> list[str]:
    """Those of the bot's rooms that neither a match nor a direct room holds."""
    known: set[str] = set()
    async with ctx.db.read() as conn:
        for start in range(0, len(room_ids), _CHUNK):
            chunk = room_ids[start : start + _CHUNK]
            known |= await matches.recorded_rooms(conn, chunk)
            known |= await bot_direct_rooms.recorded_rooms(conn, chunk)
    return [room_id for room_id in room_ids if room_id not in known]


async def may_have_debris(ctx: Kindred) -> bool:
    """Whether an earlier run may have left rooms it never recorded.

    Each attempt is counted before it touches the homeserver, so a run that
    left none has no job both queued and begun, and none that was retried.
    """
    async with ctx.db.read() as conn:
        return await jobs.any_interrupted(conn, jobs.PROVISION_ROOM)


async def this_instance(ctx: Kindred) -> str:
    async with ctx.db.read() as conn:
        return await instance.get_id(conn)


def verdict(owner: tuple[str, str | None] | None, room_id: str, complete: bool) -> str:
    """What to do with a room marked for a match, given the match's (status, room).

    Only a match still being provisioned and holding no room may adopt, and
    only a complete room (its initial state written): a half-made one has
    no power levels and no name, and is cheaper to replace than to repair.
    """
    if owner is not None and owner[1] == room_id:
        return KEEP
    if owner is not None and owner == ("provisioning", None) and complete:
        return ADOPT
    return PURGE


async def complete(ctx: Kindred, job: Job, plan_: RoomPlan | None, room_id: str | None) -> None:
    """Finish the job; the match turns ready if it got a room and is still open."""
    async with ctx.db.transaction() as conn:
        ready = room_id is not None and await matches.mark_ready(conn, job.match_id)
        await jobs.finish(conn, job.id)
    if ready and plan_ is not None:
        ctx.events.publish(
            events.Event(
                events.MATCH_READY,
                tuple(person.id for person in plan_.people),
                {"match_id": job.match_id, "room_id": room_id},
            )
        )


def backoff(attempts: int, retry_after_ms: int | None = None) -> timedelta:
    # The exponent is capped too: past it the cap rules anyway, and an
    # unbounded one would overflow timedelta after some fifty attempts.
    delay = min(BASE_DELAY * (1 << min(max(0, attempts - 1), 20)), MAX_DELAY)
    if retry_after_ms is not None:
        delay = max(delay, timedelta(milliseconds=retry_after_ms))
    return delay


async def begin_attempt(ctx: Kindred, job: Job) -> int:
    """Record that an attempt starts; returns how many attempts there have been.

    More than one means an earlier attempt may have created a room and died
    before recording it, so the worker must look for that room first.
    """
    async with ctx.db.transaction() as conn:
        return await jobs.begin_attempt(conn, job.id)


async def retry_later(
    ctx: Kindred, job: Job, attempts: int, error: str, retry_after_ms: int | None = None
) -> timedelta:
    delay = backoff(attempts, retry_after_ms)
    if retry_after_ms is not None:
        # Kept with the error, so the wait can be checked against what was asked.
        error = f"{error} (the homeserver asked to wait {retry_after_ms} ms)"
    async with ctx.db.transaction() as conn:
        await jobs.retry_later(conn, job.id, iso(utc_now() + delay), error)
    logger.warning("job %d for match %d failed (%s); retry in %s", job.id, job.match_id, error, delay)
    return delay


async def queue_depth(ctx: Kindred) -> int:
    async with ctx.db.read() as conn:
        return await jobs.count_queued(conn)
