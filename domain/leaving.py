"""Leaving Kindred: deleting your account, for good.

The password is asked again. Then one transaction does everything Kindred
itself holds: pending requests end, open matches close (with the bot's
room-closing job, which removes the person and says why), and the profile,
interests, picture, email address, codes, tokens, blocks (theirs, and
others' of them: nobody is left to keep apart), Matrix ID link and direct
room are deleted. The ``users`` row stays as ``deleted``
with only the username, retired for ever (see migration v14); requests,
matches and reports that others share keep pointing at it, and reports
about the person stay for the operators. Every access token stops working
at once (the session epoch rises, and only active people are served).

The Matrix account on Kindred's homeserver is deactivated with erasure by
a job written in that same transaction: the deactivator (a worker of the
web app) runs it, and retries it with backoff until the homeserver takes
it, so a deletion cut short by a crash or a homeserver outage finishes when
they are back. A person who uses a Matrix ID of another server has no
account here to close; the bot still removes that ID from their rooms.
"""

from __future__ import annotations

import logging
from datetime import datetime

from domain import bot_jobs, events, provisioning
from domain.circle_moderation import remove_everywhere_txn
from domain.context import Kindred
from domain.errors import KindredError
from domain.passwords import verify_password
from domain.ports import AccountRefused, HomeserverDown
from store import (
    avatar_uploads,
    avatars,
    blocks,
    bot_direct_rooms,
    deactivations,
    digest_settings,
    direct_room_attempts,
    email_codes,
    interests,
    mail_outbox,
    matches,
    matrix_id_link_codes,
    matrix_id_links,
    password_resets,
    refresh_tokens,
    requests,
    round_settings,
    users,
)
from store.connection import Connection
from store.deactivations import Deactivation
from store.matches import Match
from store.requests import Request
from store.timeutil import iso, parse, utc_now
from store.users import User

logger = logging.getLogger(__name__)

_BATCH = 20


async def delete_account(ctx: Kindred, user: User, password: str) -> None:
    """Delete ``user``'s account, once their password says it is them."""
    if not await verify_password(user.password_hash, password):
        raise KindredError("password_wrong", field="password")
    async with ctx.db.transaction() as conn:
        current = await users.get(conn, user.id)
        if current is None or current.status != "active":
            # Deleted (or suspended) meanwhile, by a request racing this one.
            raise KindredError("user_not_found")
        link = await matrix_id_links.for_user(conn, user.id)
        their_ids = [i for i in (current.matrix_user_id, link.matrix_user_id if link else None) if i]
        closed = await matches.close_open_for_user(conn, user.id)
        for match in closed:
            await bot_jobs.match_closed_txn(conn, match.id, None, left=current.username, remove=their_ids)
        ended = [r for r in await requests.involving(conn, user.id) if r.status == "pending"]
        await requests.cancel_pending_for_user(conn, user.id)
        # Their places in circles are freed (the homeserver account's
        # deactivation takes them out of the rooms).
        await remove_everywhere_txn(conn, user.id, "deleted")
        if current.email is not None:
            await mail_outbox.forget_address(conn, current.email)
        await _erase_txn(conn, user.id)
        if current.matrix_user_id is not None:
            await deactivations.enqueue(conn, user.id, current.matrix_user_id)
    logger.info("%s deleted their account", current.username)
    _announce(ctx, current, closed, ended)


async def _erase_txn(conn: Connection, user_id: int) -> None:
    """Everything personal, in the deletion's transaction."""
    # Through the interest counts, so the weights of suggestions stay exact.
    await interests.replace_for_user(conn, user_id, [])
    await avatars.delete(conn, user_id)
    await avatar_uploads.delete_for_user(conn, user_id)
    await email_codes.delete_for_user(conn, user_id)
    await password_resets.delete_for_user(conn, user_id)
    await refresh_tokens.delete_user(conn, user_id)
    await blocks.delete_involving(conn, user_id)
    await matrix_id_links.delete(conn, user_id)
    await matrix_id_link_codes.delete(conn, user_id)
    await bot_direct_rooms.delete_for_user(conn, user_id)
    await digest_settings.delete(conn, user_id)
    await round_settings.delete(conn, user_id)
    await direct_room_attempts.clear(conn, user_id)
    await users.end_sessions(conn, user_id)
    await users.erase(conn, user_id)


def _announce(ctx: Kindred, user: User, closed: list[Match], ended: list[Request]) -> None:
    for match in closed:
        ctx.events.publish(
            events.Event(
                events.MATCH_CLOSED,
                (match.user_low, match.user_high),
                {"match_id": match.id, "room_id": match.room_id, "closed_by": None},
            )
        )
    for request in ended:
        kind = events.REQUEST_WITHDRAWN if request.from_user_id == user.id else events.REQUEST_REJECTED
        ctx.events.publish(events.Event(kind, (request.from_user_id, request.to_user_id), {"request_id": request.id}))
    ctx.events.publish(events.Event(events.ACCOUNT_DELETED, (user.id,)))


async def due_deactivations(ctx: Kindred) -> list[Deactivation]:
    async with ctx.db.read() as conn:
        return await deactivations.due(conn, _BATCH)


async def next_deactivation_at(ctx: Kindred) -> datetime | None:
    async with ctx.db.read() as conn:
        when = await deactivations.next_due_at(conn)
    return parse(when) if when else None


async def deactivate(ctx: Kindred, job: Deactivation) -> bool:
    """Close one deleted person's Matrix account; True once the homeserver
    took it. A failure of any kind is retried with the provisioning backoff
    (up to five minutes apart), never given up: the person asked for it."""
    try:
        await ctx.accounts.deactivate(job.matrix_user_id)
    except (HomeserverDown, AccountRefused) as exc:
        retry_after_ms = exc.retry_after_ms if isinstance(exc, AccountRefused) else None
        await _retry(ctx, job, exc, retry_after_ms)
        return False
    except Exception as exc:
        logger.exception("deactivating %s failed", job.matrix_user_id)
        await _retry(ctx, job, exc, None)
        return False
    async with ctx.db.transaction() as conn:
        await deactivations.finish(conn, job.id)
    logger.info("the Matrix account %s of a deleted person is closed", job.matrix_user_id)
    return True


async def _retry(ctx: Kindred, job: Deactivation, exc: Exception, retry_after_ms: int | None) -> None:
    attempts = job.attempts + 1
    delay = provisioning.backoff(attempts, retry_after_ms)
    async with ctx.db.transaction() as conn:
        await deactivations.retry_later(conn, job.id, attempts, iso(utc_now() + delay), f"{type(exc).__name__}: {exc}")
    logger.warning("could not deactivate %s (attempt %d): %s; retry in %s", job.matrix_user_id, attempts, exc, delay)
