"""The bot's worker for the jobs a state change leaves behind (``bot_jobs``):
notices in people's direct rooms, and emptying closed match rooms.

It sleeps until woken: by the events the domain publishes after the commit
that wrote a job (so a request is told at once, not on the next tick), by a
match turning ready (its notices are waiting for it), by a retry falling due,
or by a slow safety poll for jobs left by a restart or queued elsewhere.
Failures are retried with the provisioning backoff, honouring the
homeserver's ``retry_after_ms``.

An accepted request and its ready room usually come a fraction of a second
apart, so the requester hears of both in one message: the 'accepted' news
waits a short grace for the room and goes alone only if the room is late.

A few workers on purpose: a nudge may wait a moment, while opening match
rooms (the room worker) should not. For the same reason a match's news (the
room is ready, or the lone 'accepted') holds back while rooms are still being
made (half a minute at most): in a burst of accepts the homeserver works on
the rooms first, and each person sees their invite (and the match on the web)
as soon as their room exists; the nudges in the direct rooms follow. A burst
longer than the hold lets the held news out one at a time, a fraction of a
second apart, never all at once, until the rooms are made; then the rest
goes at full speed. The news stays a durable job throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bridge.bot_rooms import BotRooms
from bridge.errors import BridgeError
from domain import bot_jobs, events, provisioning
from domain.context import Kindred
from matcher.direct_rooms import DirectRooms
from matcher.notices import Notices
from store.bot_jobs import BotJob

logger = logging.getLogger(__name__)

_WAKING = {
    events.REQUEST_RECEIVED,
    events.REQUEST_ACCEPTED,
    events.MATCH_CLOSED,
    events.MATCH_READY,
    events.CHECKIN_QUEUED,
}
_BATCH = 50
# How long the 'accepted' news waits for the room to be ready (seconds).
ACCEPT_GRACE = 10.0
# How long a match's news may hold back for rooms being made (seconds).
READY_HOLD = 30.0
# Past the hold, while rooms are still being made: seconds between two notices.
BUSY_PACE = 0.5


class Notifier:
    def __init__(
        self,
        ctx: Kindred,
        rooms: BotRooms,
        direct: DirectRooms,
        workers: int = 2,
        accept_grace: float = ACCEPT_GRACE,
        rooms_idle: asyncio.Event | None = None,
        ready_hold: float = READY_HOLD,
        idle_poll: float = 5.0,
        busy_pace: float = BUSY_PACE,
    ) -> None:
        self._ctx = ctx
        self._notices = Notices(ctx, rooms, direct, accept_grace)
        self._slots = asyncio.Semaphore(workers)
        self._rooms_idle = rooms_idle
        self._ready_hold = ready_hold
        self._busy_pace = busy_pace
        # One held notice at a time passes while rooms are still being made.
        self._pace = asyncio.Lock()
        # Set while jobs are being sent: the bot's sync polls meanwhile, as
        # every notice would wake a long poll only to be filtered out.
        self.busy = asyncio.Event()
        self._sending = 0
        self._idle_poll = idle_poll
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        # Matches that turned ready since the last look: their waiting notices go now.
        self._ready: set[int] = set()
        # Ready matches whose job was busy when they turned ready: looked at again after.
        self._recheck: set[int] = set()

    def on_event(self, event: events.Event) -> None:
        if event.type not in _WAKING:
            return
        if event.type == events.MATCH_READY:
            self._ready.add(int(event.data["match_id"]))
        self._wake.set()

    async def run(self) -> None:
        unsubscribe = self._ctx.events.subscribe(self.on_event)
        try:
            while True:
                self._wake.clear()
                ready, self._ready = self._ready, set()
                try:
                    due = await bot_jobs.due(self._ctx, len(self._inflight) + _BATCH, sorted(ready))
                except Exception:
                    logger.exception("could not read the bot's job queue; looking again shortly")
                    due, self._ready = [], self._ready | ready
                for job in due:
                    if job.id in self._inflight:
                        if job.match_id in ready:
                            self._recheck.add(job.match_id)
                    else:
                        self._inflight[job.id] = asyncio.create_task(self._run_one(job))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._idle_poll)
        finally:
            unsubscribe()
            for task in self._inflight.values():
                task.cancel()
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)

    async def _run_one(self, job: BotJob) -> None:
        try:
            await self._hold(job)
            async with self._slots:
                self._sending += 1
                self.busy.set()
                try:
                    later = await self._notices.run(job)
                finally:
                    self._sending -= 1
                    if not self._sending:
                        self.busy.clear()
            if later is None:
                await bot_jobs.finish(self._ctx, job)
            else:
                await bot_jobs.postpone(self._ctx, job, later)
                self._wake_at(later.total_seconds())
        except asyncio.CancelledError:
            raise
        except BridgeError as exc:
            await self._retry(job, str(exc), exc.retry_after_ms)
        except Exception as exc:
            logger.exception("bot job %d (%s) failed", job.id, job.kind)
            await self._retry(job, f"{type(exc).__name__}: {exc}", None)
        finally:
            self._inflight.pop(job.id, None)
            if job.match_id is not None and job.match_id in self._recheck:
                self._recheck.discard(job.match_id)
                self._ready.add(job.match_id)
                self._wake.set()

    async def _hold(self, job: BotJob) -> None:
        """While rooms are being made, a match's news waits (bounded from now,
        so a steady stream of rooms delays it by the hold at most), then goes
        paced until the rooms are made.

        Whether the room is ready or not: a held 'accepted' news finds the
        room ready afterwards and goes with it in one message, as it does
        when the room comes within the grace.
        """
        if job.kind != bot_jobs.NOTICE_MATCH or self._rooms_idle is None or self._rooms_idle.is_set():
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._rooms_idle.wait(), self._ready_hold)
        if self._rooms_idle.is_set():
            return
        async with self._pace:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._rooms_idle.wait(), self._busy_pace)

    async def _retry(self, job: BotJob, error: str, retry_after_ms: int | None) -> None:
        # The job as picked up holds its attempts: only this worker changes them.
        attempts = job.attempts + 1
        delay = provisioning.backoff(attempts, retry_after_ms)
        try:
            if not await bot_jobs.retry_later(self._ctx, job, attempts, delay, error):
                return
        except Exception:
            logger.exception("could not record the retry of bot job %d", job.id)
        self._wake_at(delay.total_seconds())

    def _wake_at(self, seconds: float) -> None:
        asyncio.get_running_loop().call_later(max(0.0, seconds), self._wake.set)
