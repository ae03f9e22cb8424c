"""The matcher bot: its Matrix session and the work it does with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

from bridge.bot_rooms import BotRooms
from bridge.circle_rooms import CircleRooms
from bridge.matrix_client import MatrixClient
from domain import bot_jobs
from domain.context import Kindred
from matcher import checkin_worker
from matcher.circle_worker import CircleWorker
from matcher.commands import Commands
from matcher.direct_rooms import DirectRooms
from matcher.notifier import Notifier
from matcher.room_worker import RoomWorker
from matcher.sync_loop import SyncLoop

logger = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def running_bot(ctx: Kindred, client: MatrixClient) -> AsyncIterator[RoomWorker]:
    """Log the bot in and run its workers for the duration of the block.

    ``client`` is the bot's one client, shared with the web app (link codes);
    whoever made it closes it.
    """
    session = await client.login()
    worker = RoomWorker(ctx, client)
    rooms = BotRooms(client)
    direct = DirectRooms(ctx, rooms)
    notifier = Notifier(ctx, rooms, direct, rooms_idle=worker.idle)
    listener = SyncLoop(ctx, client, rooms, direct, Commands(ctx, rooms, direct), busy=(worker.busy, notifier.busy))
    tasks = [
        asyncio.create_task(worker.run(), name="room-worker"),
        asyncio.create_task(notifier.run(), name="bot-notifier"),
        asyncio.create_task(listener.run(), name="bot-sync"),
        asyncio.create_task(checkin_worker.run(ctx), name="checkins"),
        asyncio.create_task(
            CircleWorker(ctx, CircleRooms(client, await bot_jobs.instance_id(ctx))).run(), name="circles"
        ),
    ]
    logger.info("matcher bot %s is running", session.user_id)
    try:
        yield worker
    finally:
        for task in tasks:
            task.cancel()
        for task, outcome in zip(tasks, await asyncio.gather(*tasks, return_exceptions=True), strict=False):
            if isinstance(outcome, Exception):
                logger.error("%s had stopped with %r", task.get_name(), outcome)
