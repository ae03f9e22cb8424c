"""Who is online: "online now" or "active N minutes ago", from the homeserver's
presence (what Element shows), as the bot's sync heard it.

The bot shares a room with everyone on Kindred (their direct room, matches,
circles), so the homeserver tells it of their presence; it keeps one row per
person, written a sync batch at a time, and pages read many people at once.
People who hide their presence show nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.context import Kindred
from store import presence
from store.presence import Heard
from store.timeutil import iso, parse, utc_now
from store.users import User


@dataclass(frozen=True)
class Seen:
    """What a page shows of someone: online now, or minutes since last active."""

    online: bool
    minutes: int


@dataclass(frozen=True)
class Update:
    """One ``m.presence`` event as the homeserver sent it."""

    matrix_user_id: str
    state: str
    # Milliseconds since they were last active, as of when it was sent.
    last_active_ago: int | None
    currently_active: bool = False


async def record(ctx: Kindred, updates: list[Update], now: datetime | None = None) -> int:
    """Keep a sync batch of presence updates; how many were of Kindred's people."""
    if not updates:
        return 0
    moment = now or utc_now()
    async with ctx.db.transaction() as conn:
        people = await presence.people_of(conn, sorted({u.matrix_user_id for u in updates}))
        heard = [
            Heard(people[u.matrix_user_id], u.state, _active_at(u, moment))
            for u in updates
            if u.matrix_user_id in people
        ]
        await presence.record(conn, heard)
    return len(heard)


async def seen(ctx: Kindred, people: list[User], now: datetime | None = None) -> dict[str, Seen]:
    """Presence by username for a page's people, in one query; hidden or
    never-heard people are absent (the page shows nothing for them)."""
    async with ctx.db.read() as conn:
        rows = await presence.for_users(conn, [p.id for p in people])
    moment = now or utc_now()
    shown: dict[str, Seen] = {}
    for person in people:
        row = rows.get(person.id)
        if row is None or row.hidden:
            continue
        if row.state == "online":
            shown[person.username] = Seen(True, 0)
        elif row.last_active_at is not None:
            minutes = max(0, int((moment - parse(row.last_active_at)).total_seconds() // 60))
            shown[person.username] = Seen(False, minutes)
    return shown


async def online_count(ctx: Kindred, user_ids: list[int]) -> int:
    """How many of these people are online now (hidden ones not counted)."""
    async with ctx.db.read() as conn:
        return await presence.online_among(conn, user_ids)


async def set_hidden(ctx: Kindred, user_id: int, hidden: bool) -> None:
    async with ctx.db.transaction() as conn:
        await presence.set_hidden(conn, user_id, hidden)


async def is_hidden(ctx: Kindred, user_id: int) -> bool:
    async with ctx.db.read() as conn:
        row = (await presence.for_users(conn, [user_id])).get(user_id)
    return row is not None and row.hidden


def _active_at(update: Update, now: datetime) -> str | None:
    if update.currently_active:
        return iso(now)
    if update.last_active_ago is None:
        return None
    return iso(now - timedelta(milliseconds=update.last_active_ago))
