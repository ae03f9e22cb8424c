"""Check-ins after a round's introduction: "did you meet?", asked once, reminded at most once.

Four days after a round's room is ready, the bot asks each of its people
privately (a durable notice, ``bot_jobs``); two days later, someone who has
not answered is reminded, unless anyone has written in the room since (the
bot looks when the reminder is due: people who talk are getting on without
it). Answers come from the bot's ``!met yes|no`` or the Matches page and
API, through ``answer`` here; the first answer stands.

A "no" counts against the partners who did not say they met (a no-show, in
``round_settings.no_shows``): someone named that way repeatedly is placed
later in the next rounds' order (``order_penalty``), so that people who show
up are paired first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import bot_jobs, events
from domain.context import Kindred
from domain.errors import KindredError
from store import checkins, matches, round_settings, users
from store.connection import Connection
from store.matches import Match
from store.timeutil import iso, utc_now
from store.users import User

logger = logging.getLogger(__name__)

ASK_AFTER = timedelta(days=4)
REMIND_AFTER = timedelta(days=2)
# Rounds older than this are not asked about (after a long outage, a question
# about a month-old introduction would only puzzle people).
LOOK_BACK = timedelta(days=21)
# One no-show may be bad luck; from this many on, someone goes later in the order.
NO_SHOWS_BEFORE_LATER = 2
_BATCH = 500


@dataclass(frozen=True)
class Answer:
    match_id: int
    met: bool
    # The others of the match (one, or two in a trio), for the reply.
    others: list[User]


def order_penalty(no_shows: int) -> int:
    """How far back in a round's order someone goes for their no-shows: 0
    below ``NO_SHOWS_BEFORE_LATER``, then one step per no-show. A round sorts
    its entrants by this (higher: served later), after those left unpaired
    last time (``round_settings.priority``)."""
    return no_shows if no_shows >= NO_SHOWS_BEFORE_LATER else 0


async def order_penalties(conn: Connection, user_ids: list[int]) -> dict[int, int]:
    """``order_penalty`` for many people at once (those without settings: 0)."""
    found = await checkins.no_shows(conn, user_ids)
    return {user_id: order_penalty(found.get(user_id, 0)) for user_id in user_ids}


async def answer(ctx: Kindred, user: User, match_id: int, met: bool, now: datetime | None = None) -> Answer:
    """Record whether ``user`` met the others of a round's match."""
    at = iso(now or utc_now())
    async with ctx.db.transaction() as conn:
        match = await _own_round_match(conn, user, match_id)
        if not await checkins.record_answer(conn, match.id, user.id, met, at):
            raise KindredError("checkin_answered")
        if not met:
            await _count_no_shows(conn, match, user.id)
        others = await users.get_many(conn, [m for m in match.members if m != user.id])
    ctx.events.publish(events.Event(events.CHECKIN_ANSWERED, (user.id,), {"match_id": match.id, "met": met}))
    return Answer(match.id, met, [others[m] for m in match.members if m in others])


async def answer_latest(ctx: Kindred, user: User, met: bool, now: datetime | None = None) -> Answer:
    """The bot's ``!met``: answers the newest question waiting for this person."""
    async with ctx.db.read() as conn:
        waiting = await checkins.latest_unanswered(conn, user.id)
    if waiting is None:
        raise KindredError("checkin_not_found")
    return await answer(ctx, user, waiting.match_id, met, now)


async def awaiting(ctx: Kindred, user: User, match_ids: list[int], now: datetime | None = None) -> set[int]:
    """Those of the person's matches (a page of them) that ask for an answer:
    round matches they have not answered, once asked or due to be asked."""
    cutoff = iso((now or utc_now()) - ASK_AFTER)
    async with ctx.db.read() as conn:
        rounds = await checkins.round_matches(conn, match_ids)
        if not rounds:
            return set()
        rows = await checkins.of_user(conn, user.id, sorted(rounds))
        found = set()
        for match_id in rounds:
            row = rows.get(match_id)
            if row is not None and row.met is not None:
                continue
            match = await matches.get(conn, match_id)
            asked = row is not None and row.asked_at is not None
            if match is not None and (asked or (match.ready_at is not None and match.ready_at <= cutoff)):
                found.add(match_id)
    return found


async def answers_of(ctx: Kindred, user: User, match_ids: list[int]) -> dict[int, bool]:
    """What the person answered for these matches (those they answered)."""
    async with ctx.db.read() as conn:
        rows = await checkins.of_user(conn, user.id, match_ids)
    return {match_id: row.met for match_id, row in rows.items() if row.met is not None}


async def queue_due(ctx: Kindred, now: datetime | None = None) -> int:
    """Queue the questions and reminders that are due; how many were queued.

    Each row is marked in the transaction that queues its notice, so a
    second look (another worker, a restart) finds nothing left to queue.
    """
    now = now or utc_now()
    at = iso(now)
    queued = 0
    # Batch by batch, each in a transaction of its own: a large round's
    # questions must not hold the database's one writer for long.
    while True:
        async with ctx.db.transaction() as conn:
            due = await checkins.to_ask(conn, iso(now - LOOK_BACK), iso(now - ASK_AFTER), _BATCH)
            for match_id, user_id in due:
                if await checkins.mark_asked(conn, match_id, user_id, at):
                    await bot_jobs.checkin_txn(conn, match_id, user_id, reminder=False)
                    queued += 1
        if len(due) < _BATCH:
            break
    while True:
        async with ctx.db.transaction() as conn:
            rows = await checkins.to_remind(conn, iso(now - REMIND_AFTER), _BATCH)
            for row in rows:
                if await checkins.mark_reminded(conn, row.match_id, row.user_id, at):
                    await bot_jobs.checkin_txn(conn, row.match_id, row.user_id, reminder=True)
                    queued += 1
        if len(rows) < _BATCH:
            break
    if queued:
        logger.info("queued %d check-in questions and reminders", queued)
        ctx.events.publish(events.Event(events.CHECKIN_QUEUED))
    return queued


async def question_for(ctx: Kindred, match_id: int, user_id: int) -> tuple[Match, list[User]] | None:
    """The match and the others to ask ``user_id`` about, or None when there
    is nothing to ask any more (answered, closed, or gone)."""
    async with ctx.db.read() as conn:
        match = await matches.get(conn, match_id)
        row = await checkins.get(conn, match_id, user_id)
        if match is None or match.status != "ready" or row is None or row.met is not None:
            return None
        others = await users.get_many(conn, [m for m in match.members if m != user_id])
    return match, [others[m] for m in match.members if m in others]


async def _own_round_match(conn: Connection, user: User, match_id: int) -> Match:
    match = await matches.get(conn, match_id)
    # As for any match: someone outside it learns nothing, not even that it exists.
    if match is None or not match.involves(user.id):
        raise KindredError("match_not_found")
    if not await checkins.is_round_match(conn, match.id):
        raise KindredError("checkin_not_round")
    if match.ready_at is None:
        raise KindredError("checkin_too_early")
    return match


async def _count_no_shows(conn: Connection, match: Match, answered_by: int) -> None:
    """A "no" names each partner who has not said they met (one who did contests it)."""
    said = {row.user_id: row.met for row in await checkins.for_match(conn, match.id)}
    for partner in match.members:
        if partner != answered_by and said.get(partner) is not True:
            await round_settings.add_no_show(conn, partner)
