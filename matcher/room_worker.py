"""Takes provisioning jobs off the durable queue and opens match rooms.

It sleeps until woken: by the event the domain publishes when a job is
queued (so an accept is picked up at once, not on the next timer tick), by a
retry falling due, or by a slow safety poll for jobs queued elsewhere.
"""

from __future__ import annotations

import asyncio
import logging

from bridge.errors import BridgeError
from bridge.matrix_client import MatrixClient, escape
from bridge.room_lookup import find_match_room
from domain import events, provisioning
from domain.context import Kindred
from domain.provisioning import RoomPlan
from store.jobs import Job

logger = logging.getLogger(__name__)


class RoomWorker:
    def __init__(
        self, ctx: Kindred, client: MatrixClient, concurrency: int = 16, idle_poll: float = 5.0
    ) -> None:
        self._ctx = ctx
        self._client = client
        self._slots = asyncio.Semaphore(concurrency)
        self._idle_poll = idle_poll
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        # Set while no room is being made: notices wait for it (briefly).
        self.idle = asyncio.Event()
        self.idle.set()

    def on_event(self, event: events.Event) -> None:
        if event.type == events.JOB_QUEUED:
            self._wake.set()

    async def run(self) -> None:
        unsubscribe = self._ctx.events.subscribe(self.on_event)
        try:
            while True:
                self._wake.clear()
                # Room for the jobs already running plus a batch of new ones.
                try:
                    due = await provisioning.due_jobs(self._ctx, len(self._inflight) + 50)
                except Exception:  # noqa: BLE001 - a database briefly out of reach must not stop the worker
                    logger.exception("could not read the provisioning queue; looking again shortly")
                    due = []
                for job in due:
                    if job.id not in self._inflight:
                        self.idle.clear()
                        task = asyncio.create_task(self._run_one(job))
                        self._inflight[job.id] = task
                try:
                    await asyncio.wait_for(self._wake.wait(), self._idle_poll)
                except asyncio.TimeoutError:
                    pass
        finally:
            unsubscribe()
            for task in self._inflight.values():
                task.cancel()
            await asyncio.gather(*self._inflight.values(), return_exceptions=True)

    async def _run_one(self, job: Job) -> None:
        attempts = job.attempts + 1
        try:
            async with self._slots:
                attempts = await provisioning.begin_attempt(self._ctx, job)
                await self._provision(job, attempts)
        except BridgeError as exc:
            await self._retry(job, attempts, str(exc), exc.retry_after_ms)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a bad job must not stop the worker
            logger.exception("provisioning job %d failed", job.id)
            await self._retry(job, attempts, f"{type(exc).__name__}: {exc}", None)
        finally:
            self._inflight.pop(job.id, None)
            if not self._inflight:
                self.idle.set()
            # A freed slot may take the next queued job now, not at the next poll.
            self._wake.set()

    async def _retry(self, job: Job, attempts: int, error: str, retry_after_ms: int | None) -> None:
        try:
            delay = (await provisioning.retry_later(self._ctx, job, attempts, error, retry_after_ms)).total_seconds()
        except Exception:  # noqa: BLE001 - the job stays queued; the safety poll finds it
            logger.exception("could not record the retry of job %d", job.id)
            delay = self._idle_poll
        asyncio.get_running_loop().call_later(delay, self._wake.set)

    async def _provision(self, job: Job, attempts: int) -> None:
        plan = await provisioning.plan(self._ctx, job.match_id)
        if plan is None or plan.status != "provisioning":
            # Closed (or already ready) while queued: nothing left to build.
            await provisioning.complete(self._ctx, job, plan, None)
            return
        room_id = plan.room_id
        if room_id is None and attempts > 1:
            # An earlier attempt may have made the room and died before
            # recording it: adopt that room rather than open a second.
            room_id = await find_match_room(self._client, plan.instance_id, plan.match_id)
            if room_id is not None:
                logger.info("match %d: adopting room %s from an earlier attempt", plan.match_id, room_id)
                await provisioning.record_room(self._ctx, plan.match_id, room_id)
        if room_id is None:
            room_id = await self._client.create_match_room(
                plan.instance_id,
                plan.match_id,
                plan.name,
                plan.topic,
                [person.matrix_user_id for person in plan.people if person.matrix_user_id],
            )
            # Recorded before anything else can fail, so a retry reuses it.
            await provisioning.record_room(self._ctx, plan.match_id, room_id)
            await self._introduce(room_id, plan)
        await provisioning.complete(self._ctx, job, plan, room_id)
        logger.info("match %d is ready in %s", plan.match_id, room_id)

    async def _introduce(self, room_id: str, plan: RoomPlan) -> None:
        first, second = plan.people
        shared = ", ".join(plan.shared_interests) or "being on Kindred"
        body = (
            f"{first.display_name} and {second.display_name}, you matched on Kindred! "
            f"You both like: {shared}. This room is just for the two of you - say hello."
        )
        formatted = (
            f"<b>{escape(first.display_name)}</b> and <b>{escape(second.display_name)}</b>, "
            f"you matched on Kindred! You both like: <i>{escape(shared)}</i>. "
            "This room is just for the two of you - say hello."
        )
        await self._client.send_notice(room_id, body, formatted)
