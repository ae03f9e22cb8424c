"""What the bot's sync hears for circles and the pages: membership changes in
circle rooms (a leave, kick or ban in Element, a join from the Space) and
everyone's presence.

Memberships go to ``domain.circles.membership_seen``, which ignores rooms that
are not circles and changes Kindred's own jobs already made; presence is kept
a batch at a time (``domain.circle_presence``).
"""

from __future__ import annotations

import logging

from bridge.sync_reader import Batch
from domain import circle_presence, circles
from domain.circle_presence import Update
from domain.context import Kindred

logger = logging.getLogger(__name__)


async def memberships(ctx: Kindred, batch: Batch) -> None:
    # Most memberships are in match and direct rooms: those are told apart
    # with a read, so only circle rooms take a write transaction.
    rooms = {change.room_id for change in batch.memberships}
    circle_rooms = {room_id for room_id in rooms if await circles.by_room(ctx, room_id) is not None}
    for change in batch.memberships:
        if change.room_id in circle_rooms:
            await circles.membership_seen(ctx, change.room_id, change.user_id, change.membership, change.sender)


async def presence(ctx: Kindred, batch: Batch) -> None:
    if not batch.presence:
        return
    updates = [Update(p.user_id, p.presence, p.last_active_ago, p.currently_active) for p in batch.presence]
    kept = await circle_presence.record(ctx, updates)
    logger.debug("kept %d of %d presence updates", kept, len(updates))
