"""Queues the check-in questions and reminders (domain/checkins.py) as they fall due.

They are due days after an introduction, so a coarse timer is all it needs;
the questions themselves go out as the bot's durable notices.
"""

from __future__ import annotations

import asyncio
import logging

from domain import checkins
from domain.context import Kindred

logger = logging.getLogger(__name__)


async def run(ctx: Kindred, interval: float = 300.0) -> None:
    """Look every ``interval`` seconds, for as long as the bot runs."""
    while True:
        try:
            await checkins.queue_due(ctx)
        except Exception:
            # A database outage, say: the next look tries again.
            logger.exception("check-ins could not be queued; trying again later")
        await asyncio.sleep(interval)
