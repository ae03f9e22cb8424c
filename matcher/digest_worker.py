"""Queues digest mail (domain/digests.py) as periods end, every few minutes.

A digest is due once a day or week per person, so a coarse timer is all it
needs; the mail itself goes out through the mailer's durable queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

from domain import digests
from domain.context import Kindred

logger = logging.getLogger(__name__)


async def _run(ctx: Kindred, interval: float) -> None:
    while True:
        try:
            await digests.send_due(ctx)
        except Exception:
            # A database outage, say: the next round tries again.
            logger.exception("digests could not be queued; trying again later")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def running_digests(ctx: Kindred, interval: float = 300.0) -> AsyncIterator[None]:
    task = asyncio.create_task(_run(ctx, interval), name="digests")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
