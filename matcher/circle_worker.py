"""Does the homeserver work circles owe, from their durable queue.

A circle's room is made before anything else of it runs; then each
person's jobs run in the order they were queued, people side by side, and
the circle's own (roles, name, archive) one at a time, since each rewrites
whole room state. Different circles run side by side. The worker
sleeps until woken: by the event the domain publishes with new work, by a
retry falling due, or by a slow poll for work queued by another process
(``kindred`` commands, the other web worker).

An outage is retried with a capped backoff until the homeserver returns;
a refusal (a 4xx other than a rate limit: a federated invite declined, say)
is given up at once, so it never holds the circle's later work.
"""

from __future__ import annotations

import asyncio
import logging

from bridge.circle_rooms import CircleRooms
from bridge.errors import BridgeError
from domain import circle_jobs, events
from domain.circle_jobs import JobPlan
from domain.context import Kindred
from store.circle_jobs import CircleJob

logger = logging.getLogger(__name__)

# What people read in Element beside a removal Kindred made.
_REASONS = {
    circle_jobs.KICK: "Removed from the circle on Kindred",
    circle_jobs.BAN: "Banned from the circle on Kindred",
}


class CircleWorker:
    def __init__(self, ctx: Kindred, rooms: CircleRooms, concurrency: int = 16, idle_poll: float = 5.0) -> None:
        self._ctx = ctx
        self._rooms = rooms
        self._slots = asyncio.Semaphore(concurrency)
        self._idle_poll = idle_poll
        self._wake = asyncio.Event()
        # One job per lane at a time (a person's jobs in a circle, or the circle's own).
        self._inflight: dict[tuple[int, int], asyncio.Task[None]] = {}

    def on_event(self, event: events.Event) -> None:
        if event.type == events.CIRCLE_JOB_QUEUED:
            self._wake.set()

    async def run(self) -> None:
        unsubscribe = self._ctx.events.subscribe(self.on_event)
        try:
            while True:
                self._wake.clear()
                try:
                    heads = await circle_jobs.heads(self._ctx, len(self._inflight) + 50)
                except Exception:
                    logger.exception("could not read the circle queue; looking again shortly")
                    heads = []
                for job in heads:
                    if job.lane not in self._inflight:
                        self._inflight[job.lane] = asyncio.create_task(self._run_one(job))
                try:
                    await asyncio.wait_for(self._wake.wait(), self._idle_poll)
                except TimeoutError:
                    pass
        finally:
            unsubscribe()
            tasks = list(self._inflight.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run_one(self, job: CircleJob) -> None:
        try:
            async with self._slots:
                plan = await circle_jobs.plan(self._ctx, job)
                if plan is None:
                    await circle_jobs.finish(self._ctx, job)
                    return
                try:
                    await self._do(plan)
                except BridgeError as exc:
                    if _refusal(exc):
                        await circle_jobs.refused(self._ctx, plan, str(exc))
                    else:
                        await self._retry(job, str(exc), exc.retry_after_ms)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.exception("circle job %d (%s) failed", job.id, job.kind)
            await self._retry(job, f"{type(exc).__name__}: {exc}", None)
        finally:
            self._inflight.pop(job.lane, None)
            # The lane's next job may run now, not at the next poll.
            self._wake.set()

    async def _retry(self, job: CircleJob, error: str, retry_after_ms: int | None) -> None:
        try:
            delay = (await circle_jobs.retry_later(self._ctx, job, error, retry_after_ms)).total_seconds()
        except Exception:
            logger.exception("could not record the retry of circle job %d", job.id)
            delay = self._idle_poll
        asyncio.get_running_loop().call_later(delay, self._wake.set)

    async def _do(self, plan: JobPlan) -> None:
        kind, circle = plan.job.kind, plan.circle
        if kind == circle_jobs.CREATE_ROOM:
            await self._create(plan)
            return
        room_id = circle.room_id
        if room_id is None or (plan.job.user_id is not None and plan.matrix_user_id is None):
            # No room was ever made (its creation was refused), or the person
            # has no Matrix account: nothing to do on the homeserver.
            await circle_jobs.finish(self._ctx, plan.job)
            return
        mxid = plan.matrix_user_id or ""
        if kind == circle_jobs.JOIN:
            await self._join(plan, room_id, mxid)
            return
        if kind == circle_jobs.LEAVE:
            await self._rooms.leave(room_id, mxid)
            await circle_jobs.left(self._ctx, plan)
            return
        if kind in (circle_jobs.KICK, circle_jobs.BAN):
            act = self._rooms.kick if kind == circle_jobs.KICK else self._rooms.ban
            await act(room_id, mxid, plan.reason or _REASONS[kind])
        elif kind == circle_jobs.UNBAN:
            await self._rooms.unban(room_id, mxid)
        elif kind == circle_jobs.ROLES:
            await self._rooms.set_roles(room_id, plan.levels)
        elif kind == circle_jobs.PROFILE:
            await self._rooms.set_profile(room_id, circle.name, circle.description)
        elif kind == circle_jobs.ARCHIVE:
            await self._rooms.archive(room_id)
        else:
            logger.error("circle job %d has an unknown kind %r; dropped", plan.job.id, kind)
        await circle_jobs.finish(self._ctx, plan.job)

    async def _create(self, plan: JobPlan) -> None:
        space_id = plan.space_id
        if space_id is None:
            space_id = await circle_jobs.record_space(self._ctx, await self._rooms.ensure_space())
        if plan.circle.room_id is None:
            room_id = await self._rooms.create_circle(
                space_id, plan.circle.id, plan.circle.name, plan.circle.description
            )
            await circle_jobs.record_room(self._ctx, plan.circle.id, room_id)
            logger.info("circle %s has its room %s", plan.circle.slug, room_id)
        await circle_jobs.finish(self._ctx, plan.job)

    async def _join(self, plan: JobPlan, room_id: str, mxid: str) -> None:
        if plan.member_state != "joining":
            # They left (or were removed) while the join waited.
            await circle_jobs.finish(self._ctx, plan.job)
            return
        if plan.local:
            assert plan.space_id is not None
            await self._rooms.join_local(plan.space_id, room_id, mxid)
            await circle_jobs.joined(self._ctx, plan)
            return
        # Another homeserver's person: invited; the sync reports their join.
        await self._rooms.invite(room_id, mxid)
        await circle_jobs.finish(self._ctx, plan.job)


def _refusal(exc: BridgeError) -> bool:
    status = exc.http_status or 0
    return 400 <= status < 500 and status != 429 and not exc.unreachable
