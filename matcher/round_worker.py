"""Runs rounds as their moments come (domain/rounds.py), once a minute.

A round's moment is a weekday and hour in each person's time zone, so slots
come every hour or so somewhere; a minute's tick is soon enough and cheap
(one read of the time zones in use when nothing is due). Each slot is
claimed in the store, so a restart, a second tick or ``kindred rounds run``
never runs one twice, and a round a crash interrupted is finished first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import AsyncIterator

from domain import rounds
from domain.context import Kindred
from store.timeutil import utc_now

logger = logging.getLogger(__name__)


async def _run(ctx: Kindred, interval: float) -> None:
    # At start every unfinished round was cut short by the last run's end;
    # later, a young one may be a run by hand still going in another process.
    stale_after = timedelta(0)
    while True:
        try:
            await rounds.run_due(ctx, utc_now(), stale_after)
            stale_after = rounds.STALE
        except Exception:
            # A database outage, say: the round stays claimed or unclaimed,
            # and the next tick resumes or runs it.
            logger.exception("rounds could not be run; trying again later")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def running_rounds(ctx: Kindred, interval: float = 60.0) -> AsyncIterator[None]:
    task = asyncio.create_task(_run(ctx, interval), name="rounds")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
