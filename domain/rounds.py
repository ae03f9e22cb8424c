"""Running a round: claim it, plan it, and make its matches, each exactly once.

A round moves through three states, each reached in one transaction:

1. ``claimed``: its slot's row is inserted (a UNIQUE slot), so a slot looked
   at twice (a restart, two ticks) runs once;
2. ``planned``: who is in it, the groups and why anyone stayed out are
   written together with the settings they change (a skip spent, the cadence
   restarted, a lift for the unpaired);
3. each group then becomes a match (an accepted request marked ``via_round``,
   the match, its room job and notices) in its own transaction that also
   marks the group matched, and the round is ``done``.

A crash between steps leaves a round that is not done; ``resume`` takes it
up where it stopped: a claimed round is planned afresh, a planned one makes
only the groups still waiting, so nobody is paired twice. The rooms are made
by the bot's room worker from the jobs, the same durable provisioning as an
accepted request, so a round run from the command line works while Kindred
runs.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import combinations

from config.i18n import N_
from domain import bot_jobs, events, round_pairing
from domain.context import Kindred
from domain.round_entrants import Field, gather, unchanged
from domain.round_pairing import RoundPlan, plan_round
from domain.round_schedule import MANUAL_PREFIX, latest_local, open_slots, slot_key
from store import (
    blocks,
    interests,
    jobs,
    matches,
    requests,
    round_entrants,
    round_groups,
    round_settings,
    rounds,
    users,
)
from store.connection import Connection
from store.errors import UniqueViolation
from store.round_groups import RoundGroup
from store.rounds import Round
from store.timeutil import iso, parse

logger = logging.getLogger(__name__)

# How often a plan is made again when settings change under it.
_PLAN_TRIES = 3
# A round unfinished for this long is taken up by the schedule; a younger one
# may still be running (``kindred rounds run`` in another process).
STALE = timedelta(minutes=10)

# What the bot tells someone a round left out, by the pairing's reason code.
_UNPAIRED = {
    round_pairing.NOBODY_ELSE_DUE: N_("nobody else was due in your round."),
    round_pairing.NO_ONE_AVAILABLE: N_(
        "everyone due is someone you were introduced to lately, are matched with, have a request with, or cannot meet."
    ),
    round_pairing.PARTNERS_TAKEN: N_("the people you could meet were all paired with others first."),
}


async def _pair(field: Field) -> RoundPlan:
    """The pairing is pure and, for a large round, takes seconds: it runs in a
    thread so that pages and the bot keep answering meanwhile."""
    return await asyncio.to_thread(plan_round, field.entrants, field.weights, field.excluded)


def unpaired_sentence(reason: str) -> str:
    """The English sentence, marked for translation: the caller translates it
    into the reader's language."""
    return _UNPAIRED.get(reason, N_("there was nobody you could meet this time."))


@dataclass(frozen=True)
class Preview:
    field: Field
    plan: RoundPlan


async def preview(ctx: Kindred, now: datetime) -> Preview:
    """What a round run now would do, for everyone due; nothing is written."""
    async with ctx.db.read() as conn:
        field = await gather(conn, now, ctx.round_schedule, ctx.round_repeat_window, None)
    return Preview(field, await _pair(field))


async def run_now(ctx: Kindred, now: datetime) -> Round:
    """A round for everyone due now, whatever their time zone (``kindred rounds run``)."""
    found = await run_slot(ctx, MANUAL_PREFIX + iso(now), now, None)
    assert found is not None, "a run by hand has a slot of its own"
    return found


async def run_due(ctx: Kindred, now: datetime, stale_after: timedelta = timedelta(0)) -> list[Round]:
    """Finish interrupted rounds (those unfinished for ``stale_after``), then
    run every scheduled slot that has come and is not taken yet (the
    scheduler's tick; also after downtime)."""
    done = [
        await resume(ctx, unfinished, now)
        for unfinished in await _unfinished(ctx)
        if parse(unfinished.claimed_at) <= now - stale_after
    ]
    async with ctx.db.read() as conn:
        timezones = await round_settings.enabled_timezones(conn)
        slots = open_slots(now, timezones, ctx.round_schedule)
        taken = await rounds.claimed_slots(conn, list(slots))
    for slot, zones in sorted(slots.items()):
        if slot not in taken:
            ran = await run_slot(ctx, slot, now, zones)
            if ran is not None:
                done.append(ran)
    return done


async def run_slot(ctx: Kindred, slot: str, now: datetime, timezones: list[str] | None) -> Round | None:
    """Claim ``slot`` and run it; None when it was already claimed."""
    try:
        async with ctx.db.transaction() as conn:
            round_id = await rounds.claim(conn, slot, iso(now))
    except UniqueViolation:
        round_id = None
    if round_id is None:
        return None
    logger.info("round %d (%s) claimed", round_id, slot)
    return await _carry_on(ctx, round_id, now, timezones)


async def resume(ctx: Kindred, round_: Round, now: datetime) -> Round:
    """Take up a round a crash interrupted, where it stopped."""
    logger.warning("round %d (%s) was interrupted in state %s; resuming", round_.id, round_.slot, round_.status)
    zones = None
    if not round_.slot.startswith(MANUAL_PREFIX):
        async with ctx.db.read() as conn:
            everyone = await round_settings.enabled_timezones(conn)
        moment = datetime.strptime(round_.slot, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
        zones = [z for z in everyone if slot_key(latest_local(moment, z, ctx.round_schedule)) == round_.slot]
        # Its people are those it was for, as of its own moment.
        now = moment
    return await _carry_on(ctx, round_.id, now, zones)


async def _unfinished(ctx: Kindred) -> list[Round]:
    async with ctx.db.read() as conn:
        return await rounds.unfinished(conn)


async def _carry_on(ctx: Kindred, round_id: int, now: datetime, timezones: list[str] | None) -> Round:
    async with ctx.db.read() as conn:
        current = await rounds.get(conn, round_id)
    assert current is not None
    if current.status == rounds.CLAIMED:
        await _plan(ctx, round_id, now, timezones)
    async with ctx.db.read() as conn:
        waiting = await round_groups.planned_in(conn, round_id)
    for group in waiting:
        await make_match(ctx, group)
    async with ctx.db.transaction() as conn:
        await rounds.mark_done(conn, round_id, iso(now))
        finished = await rounds.get(conn, round_id)
    assert finished is not None
    logger.info(
        "round %d done: %d due, %d groups (%d trio), %d unpaired",
        round_id,
        finished.due_count,
        finished.paired_count,
        finished.trio_count,
        finished.unpaired_count,
    )
    return finished


async def _plan(ctx: Kindred, round_id: int, now: datetime, timezones: list[str] | None) -> None:
    # Read and computed outside the write: a large round must not hold the
    # database's one writer while it is paired. The plan is written only if
    # nobody's settings changed meanwhile (a round run by hand at the same
    # time took some of them, say); otherwise it is made again.
    for _ in range(_PLAN_TRIES):
        async with ctx.db.read() as conn:
            field = await gather(conn, now, ctx.round_schedule, ctx.round_repeat_window, timezones)
        plan = await _pair(field)
        trios = sum(1 for g in plan.groups if len(g.members) == 3)
        async with ctx.db.transaction() as conn:
            if not await unchanged(conn, field):
                continue
            if await rounds.mark_planned(
                conn,
                round_id,
                iso(now),
                len(field.entrants),
                len(plan.groups),
                trios,
                len(plan.unpaired),
                plan.method,
                plan.total_weight,
            ):
                await _write_plan(conn, round_id, field, plan)
            # else: planned by another run meanwhile.
            return
    raise RuntimeError(f"round {round_id}: settings kept changing while it was planned; it is tried again later")


async def _write_plan(conn: Connection, round_id: int, field: Field, plan: RoundPlan) -> None:
    for group in plan.groups:
        group_id = await round_groups.insert(conn, round_id, group.weight)
        for user_id in group.members:
            await round_entrants.insert(conn, round_id, user_id, group_id, None)
            await round_settings.mark_introduced(conn, user_id, field.weeks[user_id].isoformat())
    for left in plan.unpaired:
        await round_entrants.insert(conn, round_id, left.user_id, None, left.reason)
        await round_settings.mark_unpaired(conn, left.user_id)
        await bot_jobs.round_unpaired_txn(conn, left.user_id, round_id, left.reason)
    for user_id, week in field.skipping:
        await round_settings.mark_skipped(conn, user_id, week.isoformat())


async def make_match(ctx: Kindred, group: RoundGroup) -> int | None:
    """Turn a planned group into a match with its room job; the match id, or
    None when the group was dropped (something changed since it was planned)."""
    try:
        async with ctx.db.transaction() as conn:
            match_id = await _make_match_txn(conn, group)
    except UniqueViolation:
        # A request accepted between plan and match: they have their match already.
        async with ctx.db.transaction() as conn:
            await round_groups.mark_dropped(conn, group.id)
        return None
    if match_id is not None:
        async with ctx.db.read() as conn:
            members = await round_entrants.members(conn, group.id)
        ctx.events.publish(events.Event(events.REQUEST_ACCEPTED, tuple(members), {"match_id": match_id}))
        ctx.events.publish(events.Event(events.JOB_QUEUED, (), {"match_id": match_id}))
    return match_id


async def _make_match_txn(conn: Connection, group: RoundGroup) -> int | None:
    current = await round_groups.get(conn, group.id)
    if current is None or current.state != round_groups.PLANNED:
        return None
    members = await round_entrants.members(conn, group.id)
    if not await _still_allowed(conn, members):
        await round_groups.mark_dropped(conn, group.id)
        logger.info("round group %d dropped: its people may no longer be introduced", group.id)
        return None
    first, second, *rest = members
    request_id = await requests.insert_for_round(conn, first, second)
    match_id = await matches.insert(conn, request_id, first, second, rest[0] if rest else None)
    await jobs.enqueue(conn, jobs.PROVISION_ROOM, match_id)
    match = await matches.get(conn, match_id)
    assert match is not None
    # Nobody asked: each is told their room is ready, with no 'accepted' news.
    await bot_jobs.match_made_txn(conn, match, request_id, 0)
    if not await round_groups.mark_matched(conn, group.id, match_id):
        raise UniqueViolation("round group matched twice")
    return match_id


async def _still_allowed(conn: Connection, members: list[int]) -> bool:
    """Between plan and match someone may have left, blocked or matched."""
    people = await users.get_many(conn, members)
    if len(people) != len(members) or any(p.status != "active" for p in people.values()):
        return False
    for a, b in combinations(members, 2):
        if await blocks.between(conn, a, b) is not None or await matches.open_between(conn, a, b) is not None:
            return False
        if await requests.pending_between(conn, a, b) is not None:
            return False
    return True


async def describe(ctx: Kindred, seen: Preview) -> list[str]:
    """A preview in lines for the operator: each group with its score and what it shares."""
    ids = [e.user_id for e in seen.field.entrants]
    async with ctx.db.read() as conn:
        people = await users.get_many(conn, ids)
        names = await interests.names_by_id(conn, sorted({i for g in seen.plan.groups for i in g.shared_interest_ids}))
    plan = seen.plan
    lines = [
        f"{len(ids)} due; {len(plan.groups)} introductions, {len(plan.unpaired)} unpaired"
        f" (method {plan.method}, total score {plan.total_weight:.2f})"
    ]
    for group in plan.groups:
        who = " & ".join(people[u].username for u in group.members)
        shared = ", ".join(sorted(names.get(i, "?") for i in group.shared_interest_ids)) or "nothing shared"
        lines.append(f"  {group.weight:6.2f}  {who}  ({shared})")
    for left in plan.unpaired:
        lines.append(f"  unpaired  {people[left.user_id].username}: {unpaired_sentence(left.reason)}")
    return lines
