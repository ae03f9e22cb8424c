"""The bot's durable work after a state change: notices and room closing.

Whatever the homeserver must do because something changed in Kindred is
written as a job in the transaction that made the change, so a crash or a
failed call between the two loses nothing: the bot's worker takes the jobs,
retries them with the same capped backoff as room creation, and marks them
done. Kinds:

- ``notice_request``: tell the receiver of a pending request about it;
- ``notice_match``: tell one of a new match's two people that their room is
  ready (the requester's also carries the 'accepted' news);
- ``close_room``: remove both people from a closed match's room, say why,
  and leave it (also when one of them deleted their account);
- ``checkin_ask`` / ``checkin_remind``: ask one person of a round's match
  whether they met (domain/checkins.py), or remind them once;
- ``round_unpaired``: tell someone a round left out why, and that they go
  first next time.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from domain.context import Kindred
from store import bot_jobs, instance
from store.bot_jobs import BotJob
from store.connection import Connection
from store.database import POSTGRESQL
from store.matches import Match
from store.timeutil import iso, utc_now

logger = logging.getLogger(__name__)

NOTICE_REQUEST = "notice_request"
NOTICE_MATCH = "notice_match"
CLOSE_ROOM = "close_room"
CHECKIN_ASK = "checkin_ask"
CHECKIN_REMIND = "checkin_remind"
ROUND_UNPAIRED = "round_unpaired"
# A job that fails this often is given up (hours, at the backoff's cap).
MAX_ATTEMPTS = 100


async def request_sent_txn(conn: Connection, request_id: int, receiver_id: int) -> None:
    await bot_jobs.enqueue(conn, NOTICE_REQUEST, user_id=receiver_id, request_id=request_id)


async def match_made_txn(conn: Connection, match: Match, request_id: int, requester_id: int) -> None:
    """One notice job per person (three for a round's trio); the requester's
    carries the 'accepted' news (a round's match has no requester: 0)."""
    for person in match.members:
        await bot_jobs.enqueue(
            conn,
            NOTICE_MATCH,
            user_id=person,
            match_id=match.id,
            request_id=request_id,
            payload={"requester": person == requester_id, "accepted_told": False},
        )


async def match_closed_txn(
    conn: Connection, match_id: int, closed_by: int | None, *, left: str | None = None, remove: list[str] | None = None
) -> None:
    """``left``: the username of someone who deleted their account, which
    closed the match (the notice says so); ``remove``: their Matrix IDs, to
    remove from the room although their account no longer names them."""
    payload: dict[str, Any] = {"closed_by": closed_by}
    if left is not None:
        payload |= {"left": left, "remove": remove or []}
    await bot_jobs.enqueue(conn, CLOSE_ROOM, match_id=match_id, payload=payload)


async def round_unpaired_txn(conn: Connection, user_id: int, round_id: int, reason: str) -> None:
    """Tell someone a round found nobody for them, and why (they go first next time)."""
    await bot_jobs.enqueue(conn, ROUND_UNPAIRED, user_id=user_id, payload={"round_id": round_id, "reason": reason})


async def checkin_txn(conn: Connection, match_id: int, user_id: int, *, reminder: bool) -> None:
    kind = CHECKIN_REMIND if reminder else CHECKIN_ASK
    await bot_jobs.enqueue(conn, kind, user_id=user_id, match_id=match_id)


async def due(ctx: Kindred, limit: int, ready_matches: list[int]) -> list[BotJob]:
    """Due jobs, and the queued ones of matches that just turned ready."""
    if ctx.db.dialect == POSTGRESQL:
        # Other workers may share the queue: only what none of them holds.
        async with ctx.db.transaction() as conn:
            claimed = await bot_jobs.claim_due(conn, limit, ctx.worker_id, utc_now())
    else:
        async with ctx.db.read() as conn:
            claimed = await bot_jobs.due(conn, limit)
    async with ctx.db.read() as conn:
        found = {job.id: job for job in claimed}
        for job in await bot_jobs.queued_for_matches(conn, ready_matches):
            found.setdefault(job.id, job)
    return list(found.values())


async def instance_id(ctx: Kindred) -> str:
    async with ctx.db.read() as conn:
        return await instance.get_id(conn)


async def finish(ctx: Kindred, job: BotJob) -> None:
    async with ctx.db.transaction() as conn:
        await bot_jobs.finish(conn, job.id)


async def postpone(ctx: Kindred, job: BotJob, delay: timedelta) -> None:
    async with ctx.db.transaction() as conn:
        await bot_jobs.postpone(conn, job.id, iso(utc_now() + delay))


async def note_progress(ctx: Kindred, job: BotJob, payload: dict[str, Any]) -> None:
    """Record a step done part-way (the 'accepted' news told), so it is not told again."""
    async with ctx.db.transaction() as conn:
        await bot_jobs.set_payload(conn, job.id, payload)


async def retry_later(ctx: Kindred, job: BotJob, attempts: int, delay: timedelta, error: str) -> bool:
    """Reschedule after a failed attempt; False once the job is given up."""
    give_up = attempts >= MAX_ATTEMPTS
    async with ctx.db.transaction() as conn:
        await bot_jobs.retry_later(conn, job.id, attempts, iso(utc_now() + delay), error)
        if give_up:
            await bot_jobs.finish(conn, job.id, "failed")
    if give_up:
        logger.error("bot job %d (%s) failed %d times; giving up: %s", job.id, job.kind, attempts, error)
        return False
    logger.warning("bot job %d (%s) failed (%s); retry in %s", job.id, job.kind, error, delay)
    return True


async def queue_depth(ctx: Kindred) -> int:
    async with ctx.db.read() as conn:
        return await bot_jobs.count_queued(conn)
