"""Sends the mail queued in the outbox (domain/mail.py), with retries.

Woken when mail is queued, and otherwise when the next retry falls due (or a
slow safety poll, for mail queued by another process). A mail the server did
not take stays queued and is tried again with backoff; a mail is sent at
least once, so a crash between the server taking it and Kindred recording
that can send it twice, never lose it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator

from domain import events, mail
from domain.context import Kindred
from domain.ports import MailTransport, MailUndelivered
from store.timeutil import utc_now

logger = logging.getLogger(__name__)


class Mailer:
    def __init__(self, ctx: Kindred, transport: MailTransport, idle_poll: float = 30.0) -> None:
        self._ctx = ctx
        self._transport = transport
        self._idle_poll = idle_poll
        self._wake = asyncio.Event()

    def _on_event(self, event: events.Event) -> None:
        if event.type == events.MAIL_QUEUED:
            self._wake.set()

    async def run(self) -> None:
        unsubscribe = self._ctx.events.subscribe(self._on_event)
        try:
            while True:
                self._wake.clear()
                try:
                    await self._send_due()
                    wait = await self._until_next()
                except Exception:
                    # A database outage, say: look again shortly.
                    logger.exception("the mailer failed; trying again shortly")
                    wait = 5.0
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
        finally:
            unsubscribe()

    async def _send_due(self) -> None:
        while batch := await mail.due(self._ctx):
            for item in batch:
                await mail.begin(self._ctx, item)
                try:
                    await self._transport.send(item.to_address, item.subject, item.text_body, item.html_body)
                except MailUndelivered as exc:
                    await mail.failed(self._ctx, item, str(exc))
                    continue
                await mail.sent(self._ctx, item)
                logger.info("mail %d (%s) sent to %s", item.id, item.kind, item.to_address)

    async def _until_next(self) -> float:
        when = await mail.next_due_at(self._ctx)
        if when is None:
            return self._idle_poll
        return max(0.05, min(self._idle_poll, (when - utc_now()).total_seconds()))


@contextlib.asynccontextmanager
async def running_mailer(ctx: Kindred, transport: MailTransport) -> AsyncIterator[Mailer]:
    mailer = Mailer(ctx, transport)
    task = asyncio.create_task(mailer.run(), name="mailer")
    try:
        yield mailer
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
