"""A role's work, done only while this process holds the role's lease.

``kindred bot`` runs its workers inside ``serve``: it waits as a hot standby
until the lease is free, works while renewing it, and stops working the
moment it is lost (another process took over after a renewal could not be
made in time), to stand by again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncContextManager, Callable

from domain.leases import Holder

logger = logging.getLogger(__name__)

# After the work failed to start (the homeserver away, say): the lease is
# given up so a healthier process may take it, and this one asks again later.
RETRY_SECONDS = 5.0


async def serve(holder: Holder, stop: asyncio.Event, work: Callable[[], AsyncContextManager[object]]) -> None:
    """Until ``stop`` is set: take the lease, run ``work()`` while it holds,
    and give it up cleanly on the way out."""
    while await holder.wait_to_take(stop):
        try:
            lost = await _work_while_held(holder, stop, work)
        except Exception:
            logger.exception("the %s work failed; giving up the lease and trying again", holder.role)
            lost = False
            await _release(holder)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), RETRY_SECONDS)
            continue
        if not lost:
            await _release(holder)
            return
        logger.warning("the %s lease was lost; standing by", holder.role)


async def _work_while_held(
    holder: Holder, stop: asyncio.Event, work: Callable[[], AsyncContextManager[object]]
) -> bool:
    """Run ``work()`` until ``stop`` (False) or the lease is lost (True)."""
    keeper = asyncio.create_task(holder.keep(), name=f"{holder.role}-lease")
    stopping = asyncio.create_task(stop.wait(), name=f"{holder.role}-stop")
    try:
        async with work():
            logger.info("this process now does the %s work", holder.role)
            await asyncio.wait({keeper, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (keeper, stopping):
            task.cancel()
        await asyncio.gather(keeper, stopping, return_exceptions=True)
    return not stop.is_set()


async def _release(holder: Holder) -> None:
    try:
        await holder.release()
    except Exception:
        # It expires by itself within its lifetime.
        logger.exception("could not give up the %s lease", holder.role)
