"""Digest mail, for people who rarely open Matrix: requests waiting for an
answer and matches made since the last digest, daily or weekly.

Only people who chose a digest and proved their address get one, and only
when there is something to tell. Every digest carries a one-click
unsubscribe link signed with Kindred's key, which works without logging in.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import timedelta

from domain import mail
from domain.context import Kindred
from domain.errors import KindredError
from domain.languages import written_language
from store import digest_settings, matches, requests, users
from store.timeutil import iso, parse, utc_now
from store.users import User

logger = logging.getLogger(__name__)

FREQUENCIES = ("off", "daily", "weekly")
_PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
# Enough to show what waits; the page has the rest.
_LISTED = 20


async def frequency(ctx: Kindred, user: User) -> str:
    async with ctx.db.lookup() as conn:
        return await digest_settings.get(conn, user.id) or "off"


async def choose(ctx: Kindred, user: User, value: str) -> str:
    chosen = value.strip().lower() if isinstance(value, str) else ""
    if chosen not in FREQUENCIES:
        raise KindredError("digest_invalid", field="frequency")
    async with ctx.db.transaction() as conn:
        if chosen == "off":
            await digest_settings.delete(conn, user.id)
        elif await digest_settings.get(conn, user.id) != chosen:
            await digest_settings.put(conn, user.id, chosen)
    return chosen


def signature(ctx: Kindred, user_id: int) -> str:
    message = f"kindred digest unsubscribe\x00{user_id}".encode()
    return hmac.new(ctx.signing_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def unsubscribe_link(ctx: Kindred, user_id: int) -> str:
    return f"{ctx.links.web_url.rstrip('/')}/unsubscribe?u={user_id}&sig={signature(ctx, user_id)}"


async def unsubscribe(ctx: Kindred, user_id: str, sig: str) -> None:
    """Turn digests off for whoever the signed link names; a bad link is refused."""
    if not user_id.isdigit() or len(user_id) > 19 or not hmac.compare_digest(signature(ctx, int(user_id)), sig):
        raise KindredError("unsubscribe_link_invalid")
    async with ctx.db.transaction() as conn:
        await digest_settings.delete(conn, int(user_id))


async def send_due(ctx: Kindred, limit: int = 100) -> int:
    """Queue the digests whose period is over; returns how many were queued."""
    now = utc_now()
    daily, weekly = iso(now - _PERIODS["daily"]), iso(now - _PERIODS["weekly"])
    queued = 0
    async with ctx.db.read() as conn:
        due = await digest_settings.due(conn, daily, weekly, limit)
    for user_id, since in due:
        async with ctx.db.transaction() as conn:
            user = await users.get(conn, user_id)
            await digest_settings.mark_sent(conn, user_id, iso(now))
            if user is None or user.email is None or not user.email_verified:
                continue
            waiting = await requests.list_for_user(conn, user_id, "incoming", "pending", _LISTED)
            made = [
                m
                for m in await matches.list_for_user(conn, user_id, _LISTED)
                if parse(m.created_at) > parse(since) and m.status != "closed"
            ]
            if not waiting and not made:
                continue
            others = await users.get_many(conn, [m.user_low if m.user_high == user_id else m.user_high for m in made])
            context = {
                "username": user.username,
                "display_name": user.display_name,
                "requests": [(r.from_display_name, r.from_username, r.note) for r in waiting],
                "matches": [(others[o].display_name, others[o].username) for o in others],
                "requests_url": f"{ctx.links.web_url.rstrip('/')}/requests",
                "matches_url": f"{ctx.links.web_url.rstrip('/')}/matches",
                "unsubscribe": unsubscribe_link(ctx, user_id),
                "count": len(waiting),
            }
            await mail.queue(conn, ctx, mail.DIGEST, user.email, context, written_language(user))
            queued += 1
    if queued:
        mail.queued(ctx)
        logger.info("queued %d digest mails", queued)
    return queued
