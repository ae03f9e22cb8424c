"""Closes the Matrix accounts of people who deleted theirs (domain/leaving.py).

Each deletion leaves a ``deactivations`` row in its own transaction; this
worker takes the due ones and asks the homeserver, through the admin API,
to deactivate and erase the account. A failure is retried with backoff
until it succeeds (the rule is the domain's). It needs no bot, so it runs
wherever the web app does.

Woken when an account is deleted, and otherwise when the next retry falls
due (or a slow safety poll, for rows left by a restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

from domain import events, leaving
from domain.context import Kindred
from store.timeutil import utc_now

logger = logging.getLogger(__name__)


class Deactivator:
    def __init__(self, ctx: Kindred, idle_poll: float = 30.0) -> None:
        self._ctx = ctx
        self._idle_poll = idle_poll
        self._wake = asyncio.Event()

    def _on_event(self, event: events.Event) -> None:
        if event.type == events.ACCOUNT_DELETED:
            self._wake.set()

    async def run(self) -> None:
        unsubscribe = self._ctx.events.subscribe(self._on_event)
        try:
            while True:
                self._wake.clear()
                try:
                    await self._run_due()
                    wait = await self._until_next()
                except Exception:
                    # A database outage, say: look again shortly.
                    logger.exception("the deactivator failed; trying again shortly")
                    wait = 5.0
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
        finally:
            unsubscribe()

    async def _run_due(self) -> None:
        # One pass: a failed job is due again only after its backoff.
        for job in await leaving.due_deactivations(self._ctx):
            await leaving.deactivate(self._ctx, job)

    async def _until_next(self) -> float:
        when = await leaving.next_deactivation_at(self._ctx)
        if when is None:
            return self._idle_poll
        return max(0.05, min(self._idle_poll, (when - utc_now()).total_seconds()))


@contextlib.asynccontextmanager
async def running_deactivator(ctx: Kindred) -> AsyncIterator[Deactivator]:
    deactivator = Deactivator(ctx)
    task = asyncio.create_task(deactivator.run(), name="deactivator")
    try:
        yield deactivator
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
