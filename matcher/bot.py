"""The matcher bot: its Matrix session and the work it does with it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import AsyncIterator

import aiohttp

from bridge.admin import SynapseAdmin
from bridge.bot_account import ensure_bot_session
from bridge.bot_rooms import BotRooms
from bridge.matrix_client import MatrixClient
from domain.context import Kindred
from matcher.commands import Commands
from matcher.direct_rooms import DirectRooms
from matcher.notifier import Notifier
from matcher.room_worker import RoomWorker
from matcher.sync_loop import SyncLoop

logger = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def running_bot(
    ctx: Kindred,
    admin: SynapseAdmin,
    http: aiohttp.ClientSession,
    homeserver_url: str,
    localpart: str,
    display_name: str,
    password: str,
    session_path: Path,
) -> AsyncIterator[RoomWorker]:
    """Log the bot in and run its workers for the duration of the block."""
    session = await ensure_bot_session(admin, http, homeserver_url, localpart, display_name, password, session_path)
    client = MatrixClient(homeserver_url, session)
    worker = RoomWorker(ctx, client)
    rooms = BotRooms(client)
    direct = DirectRooms(ctx, rooms)
    notifier = Notifier(ctx, rooms, direct, rooms_idle=worker.idle)
    listener = SyncLoop(ctx, client, rooms, direct, Commands(ctx, rooms, direct), rooms_idle=worker.idle)
    tasks = [
        asyncio.create_task(worker.run(), name="room-worker"),
        asyncio.create_task(notifier.run(), name="bot-notifier"),
        asyncio.create_task(listener.run(), name="bot-sync"),
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
        await client.close()
