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
from bridge.matrix_client import MatrixClient
from domain.context import Kindred
from matcher.room_worker import RoomWorker

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
    session = await ensure_bot_session(
        admin, http, homeserver_url, localpart, display_name, password, session_path
    )
    client = MatrixClient(homeserver_url, session)
    worker = RoomWorker(ctx, client)
    task = asyncio.create_task(worker.run(), name="room-worker")
    logger.info("matcher bot %s is running", session.user_id)
    try:
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await client.close()
