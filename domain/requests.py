"""The request state machine: pending -> accepted | rejected | withdrawn.

Only the receiver accepts or rejects, only the sender withdraws. Accepting
creates the match and queues its room in the same transaction, so a match
never exists without the job that gives it a room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from config.i18n import N_
from domain import bot_jobs, events, people, validation
from domain.context import Kindred
from domain.errors import KindredError
from store import blocks, jobs, matches, requests
from store.connection import Connection
from store.errors import UniqueViolation
from store.matches import Match
from store.requests import Request
from store.timeutil import iso, parse, utc_now
from store.users import User

BOXES = ("incoming", "outgoing")
_DAY = timedelta(days=1)
STATUSES = ("pending", "accepted", "rejected", "withdrawn")


@dataclass(frozen=True)
class Outcome:
    request: Request
    # Set when the request ended in a match (an accept, or a mutual request).
    match: Match | None = None
    created: bool = False


async def send(ctx: Kindred, sender: User, to_username: str, note: str | None) -> Outcome:
    text = validation.note(note)
    if not to_username.strip():
        raise KindredError("field_required", N_("Say whom the request is for ('to')."), "to")
    try:
        async with ctx.db.transaction() as conn:
            outcome = await _send_txn(conn, sender, to_username.strip().lower(), text, ctx.requests_per_day)
    except UniqueViolation:
        # Lost a race with a simultaneous identical request.
        raise KindredError("request_exists") from None
    _announce(ctx, outcome)
    return outcome


async def _send_txn(conn: Connection, sender: User, to_name: str, note: str, per_day: int) -> Outcome:
    target = await people.named(conn, to_name, active=True, field="to")
    if target.id == sender.id:
        raise KindredError("cannot_request_self", field="to")
    if await blocks.between(conn, sender.id, target.id) is not None:
        raise KindredError("user_blocked", field="to")
    if await matches.open_between(conn, sender.id, target.id) is not None:
        raise KindredError("already_matched", field="to")
    pending = await requests.pending_between(conn, sender.id, target.id)
    if pending is not None:
        if pending.from_user_id == sender.id:
            raise KindredError("request_exists", field="to")
        # They already asked us: asking back is saying yes.
        return await _accept_txn(conn, pending)
    await _within_daily_limit(conn, sender, per_day)
    request_id = await requests.insert(conn, sender.id, target.id, note)
    await bot_jobs.request_sent_txn(conn, request_id, target.id)
    request = await requests.get(conn, request_id)
    assert request is not None
    return Outcome(request, created=True)


async def _within_daily_limit(conn: Connection, sender: User, per_day: int) -> None:
    now = utc_now()
    recent = await requests.sent_since(conn, sender.id, iso(now - _DAY))
    if len(recent) >= per_day:
        # Free again when the oldest request in the window turns a day old.
        wait = parse(recent[len(recent) - per_day]) + _DAY - now
        raise KindredError(
            "rate_limited",
            N_("You can send %(count)s requests a day; try again later."),
            retry_after=max(1, int(wait.total_seconds()) + 1),
            params={"count": per_day},
        )


async def accept(ctx: Kindred, user: User, request_id: int) -> Outcome:
    async with ctx.db.transaction() as conn:
        request = await _own_request(conn, user, request_id, as_receiver=True)
        outcome = await _accept_txn(conn, request)
    _announce(ctx, outcome)
    return outcome


async def _accept_txn(conn: Connection, request: Request) -> Outcome:
    if not await requests.decide(conn, request.id, "accepted"):
        raise KindredError("request_not_pending")
    match_id = await matches.insert(conn, request.id, request.from_user_id, request.to_user_id)
    await jobs.enqueue(conn, jobs.PROVISION_ROOM, match_id)
    updated = await requests.get(conn, request.id)
    match = await matches.get(conn, match_id)
    assert updated is not None and match is not None
    await bot_jobs.match_made_txn(conn, match, request.id, request.from_user_id)
    return Outcome(updated, match)


async def reject(ctx: Kindred, user: User, request_id: int) -> Outcome:
    return await _close(ctx, user, request_id, "rejected", as_receiver=True)


async def withdraw(ctx: Kindred, user: User, request_id: int) -> Outcome:
    return await _close(ctx, user, request_id, "withdrawn", as_receiver=False)


async def _close(ctx: Kindred, user: User, request_id: int, status: str, as_receiver: bool) -> Outcome:
    async with ctx.db.transaction() as conn:
        request = await _own_request(conn, user, request_id, as_receiver)
        if not await requests.decide(conn, request.id, status):
            raise KindredError("request_not_pending")
        updated = await requests.get(conn, request.id)
    assert updated is not None
    outcome = Outcome(updated)
    _announce(ctx, outcome)
    return outcome


async def _own_request(conn: Connection, user: User, request_id: int, as_receiver: bool) -> Request:
    request = await requests.get(conn, request_id)
    # Someone outside the request learns nothing, not even that it exists.
    if request is None or user.id not in (request.from_user_id, request.to_user_id):
        raise KindredError("request_not_found")
    if as_receiver and request.to_user_id != user.id:
        raise KindredError("not_request_receiver")
    if not as_receiver and request.from_user_id != user.id:
        raise KindredError("not_request_sender")
    if request.status != "pending":
        raise KindredError("request_not_pending")
    return request


async def find_pending_from(ctx: Kindred, receiver: User, from_username: str) -> Request:
    """The pending request ``from_username`` sent to ``receiver`` (for the bot)."""
    async with ctx.db.read() as conn:
        sender = await people.by_username(conn, from_username)
        pending = await requests.pending_between(conn, receiver.id, sender.id) if sender else None
    if pending is None or pending.to_user_id != receiver.id:
        raise KindredError("request_not_found")
    return pending


async def load(ctx: Kindred, request_id: int) -> Request | None:
    """One request by id, for notifying its parties (not for answering anyone)."""
    async with ctx.db.read() as conn:
        return await requests.get(conn, request_id)


async def list_requests(
    ctx: Kindred, user: User, box: object, status: object = None, limit: int = 100
) -> list[Request]:
    if box not in BOXES:
        raise KindredError("invalid_parameter", N_("'box' must be 'incoming' or 'outgoing'."), "box")
    if status is not None and status not in STATUSES:
        raise KindredError(
            "invalid_parameter", N_("'status' must be pending, accepted, rejected or withdrawn."), "status"
        )
    async with ctx.db.read() as conn:
        return await requests.list_for_user(conn, user.id, str(box), status, limit)


async def history(ctx: Kindred, user: User, limit: int, offset: int = 0) -> list[Request]:
    """Requests already answered, either way, newest first."""
    async with ctx.db.read() as conn:
        return await requests.history_for_user(conn, user.id, limit, offset)


async def pending_incoming_count(ctx: Kindred, user: User) -> int:
    # On every page: one person's pending requests, counted on an index.
    async with ctx.db.lookup() as conn:
        return await requests.count_pending_incoming(conn, user.id)


def _announce(ctx: Kindred, outcome: Outcome) -> None:
    request = outcome.request
    kinds = {
        "pending": events.REQUEST_RECEIVED,
        "accepted": events.REQUEST_ACCEPTED,
        "rejected": events.REQUEST_REJECTED,
        "withdrawn": events.REQUEST_WITHDRAWN,
    }
    data: dict[str, Any] = {"request_id": request.id}
    if outcome.match is not None:
        data["match_id"] = outcome.match.id
    ctx.events.publish(events.Event(kinds[request.status], (request.from_user_id, request.to_user_id), data))
    if outcome.match is not None:
        ctx.events.publish(events.Event(events.JOB_QUEUED, (), {"match_id": outcome.match.id}))
