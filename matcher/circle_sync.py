"""What the bot's sync hears for circles and the pages: membership changes in
circle rooms (a leave, kick or ban in Element, a join from the Space),
messages in them (the listing ranks circles by recent activity) and
everyone's presence.

Memberships go to ``domain.circles.membership_seen``, which ignores rooms that
are not circles and changes Kindred's own jobs already made; presence is kept
a batch at a time (``domain.circle_presence``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bridge.sync_reader import Batch
from domain import circle_presence, circles
from domain.circle_presence import Update
from domain.context import Kindred
from store.timeutil import iso, utc_now

logger = logging.getLogger(__name__)


async def memberships(ctx: Kindred, batch: Batch) -> None:
    # Most memberships are in match and direct rooms: those are told apart
    # with a read, so only circle rooms take a write transaction.
    rooms = {change.room_id for change in batch.memberships}
    circle_rooms = {room_id for room_id in rooms if await circles.by_room(ctx, room_id) is not None}
    for change in batch.memberships:
        if change.room_id in circle_rooms:
            await circles.membership_seen(ctx, change.room_id, change.user_id, change.membership, change.sender)


async def activity(ctx: Kindred, batch: Batch) -> None:
    """The latest message per room in this batch, told to the circles (which
    ignore other rooms and write at most once a minute per circle)."""
    latest: dict[str, int] = {}
    for message in batch.messages:
        latest[message.room_id] = max(latest.get(message.room_id, 0), message.timestamp)
    now = utc_now()
    for room_id, timestamp in latest.items():
        # The sender's server sets the time: one from the future counts as now.
        at = min(datetime.fromtimestamp(timestamp / 1000, UTC), now)
        await circles.activity_seen(ctx, room_id, iso(at))


async def presence(ctx: Kindred, batch: Batch) -> None:
    if not batch.presence:
        return
    updates = [Update(p.user_id, p.presence, p.last_active_ago, p.currently_active) for p in batch.presence]
    kept = await circle_presence.record(ctx, updates)
    logger.debug("kept %d of %d presence updates", kept, len(updates))
