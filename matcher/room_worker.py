"""Takes provisioning jobs off the durable queue and opens match rooms.

It sleeps until woken: by the event the domain publishes when a job is
queued (so an accept is picked up at once, not on the next timer tick), by a
retry falling due, or by a slow safety poll for jobs queued elsewhere.

A job may find its match's room already made by an earlier attempt (adopted
by the room sweep, or found among the rooms joined since the start): then it
invites whoever is not yet in it and posts the introduction unless it is
there. Every step can be repeated, so a retry after any failure or crash
finishes the room rather than making a second one. Once the room is recorded
the match is read again: one closed in the meantime gets its room emptied
here, by the job, so that a failure is retried like any other.
"""

from __future__ import annotations

import asyncio
import logging

from bridge import room_lookup
from bridge.bot_rooms import BotRooms
from bridge.errors import BridgeError
from bridge.matrix_client import MatrixClient, escape
from config.i18n import Translator
from domain import addressing, events, provisioning
from domain.context import Kindred
from domain.provisioning import RoomPlan
from matcher.icebreakers import Icebreakers
from matcher.room_sweep import RoomSweep
from store.jobs import Job

logger = logging.getLogger(__name__)


class RoomWorker:
    def __init__(
        self,
        ctx: Kindred,
        client: MatrixClient,
        concurrency: int = 16,
        idle_poll: float = 5.0,
        sweep: bool = True,
    ) -> None:
        self._ctx = ctx
        self._client = client
        self._rooms = BotRooms(client) if client is not None else None
        self.sweep = RoomSweep(ctx, client) if sweep else None
        self._slots = asyncio.Semaphore(concurrency)
        self._idle_poll = idle_poll
        self._wake = asyncio.Event()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        # Set while no room is being made: notices wait for it (briefly).
        self.idle = asyncio.Event()
        self.idle.set()
        # Its opposite, set while rooms are being made: the bot's sync drops
        # a long poll for it.
        self.busy = asyncio.Event()

    def on_event(self, event: events.Event) -> None:
        if event.type == events.JOB_QUEUED:
            self._wake.set()

    async def run(self) -> None:
        unsubscribe = self._ctx.events.subscribe(self.on_event)
        sweeping = asyncio.create_task(self.sweep.run(), name="room-sweep") if self.sweep else None
        try:
            if self.sweep is not None:
                # No room is made before the rooms already there are listed:
                # the sweep must never take a room being made for debris.
                await self.sweep.listed.wait()
            while True:
                self._wake.clear()
                # Room for the jobs already running plus a batch of new ones.
                try:
                    due = await provisioning.due_jobs(self._ctx, len(self._inflight) + 50)
                except Exception:
                    logger.exception("could not read the provisioning queue; looking again shortly")
                    due = []
                for job in due:
                    if job.id not in self._inflight:
                        self.idle.clear()
                        self.busy.set()
                        task = asyncio.create_task(self._run_one(job))
                        self._inflight[job.id] = task
                try:
                    await asyncio.wait_for(self._wake.wait(), self._idle_poll)
                except TimeoutError:
                    pass
        finally:
            unsubscribe()
            tasks = [*self._inflight.values(), *([sweeping] if sweeping else [])]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

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
        except Exception as exc:
            logger.exception("provisioning job %d failed", job.id)
            await self._retry(job, attempts, f"{type(exc).__name__}: {exc}", None)
        finally:
            self._inflight.pop(job.id, None)
            if not self._inflight:
                self.busy.clear()
                self.idle.set()
            # A freed slot may take the next queued job now, not at the next poll.
            self._wake.set()

    async def _retry(self, job: Job, attempts: int, error: str, retry_after_ms: int | None) -> None:
        try:
            delay = (await provisioning.retry_later(self._ctx, job, attempts, error, retry_after_ms)).total_seconds()
        except Exception:
            logger.exception("could not record the retry of job %d", job.id)
            delay = self._idle_poll
        asyncio.get_running_loop().call_later(delay, self._wake.set)

    async def _provision(self, job: Job, attempts: int) -> None:
        plan = await provisioning.plan(self._ctx, job.match_id)
        if plan is None or plan.status != "provisioning":
            # Closed (or already ready) while queued: nothing left to build,
            # but a room recorded before the close is emptied.
            if plan is not None and plan.status == "closed" and plan.room_id is not None:
                await self._empty(plan.room_id, plan)
            await provisioning.complete(self._ctx, job, plan, None)
            return
        room_id = plan.room_id
        if room_id is None and attempts > 1:
            # An earlier attempt may have made the room and died before recording it.
            room_id = await self._earlier_room(plan)
        made_now = room_id is None
        if room_id is None:
            room_id = await self._client.create_match_room(
                plan.instance_id,
                plan.match_id,
                plan.name,
                _topic(plan, addressing.for_people(*plan.people)),
                [person.matrix_user_id for person in plan.people if person.matrix_user_id],
            )
            # Recorded before anything else can fail, so a retry reuses it.
            await provisioning.record_room(self._ctx, plan.match_id, room_id)
        owner = await provisioning.room_of(self._ctx, plan.match_id)
        if owner is None or owner[0] == "closed":
            # Closed while the room was being made: nobody should be left invited.
            if owner is not None and owner[1] is not None:
                await self._empty(owner[1], plan)
            await provisioning.complete(self._ctx, job, plan, None)
            return
        if owner[1] != room_id and owner[1] is not None:
            # Another room was recorded first: that one is the match's, ours is surplus.
            if made_now:
                await room_lookup.purge(self._client, room_id)
            room_id, made_now = owner[1], False
        if not made_now:
            await self._invite_missing(room_id, plan)
        await self._introduce(room_id, plan, check_first=not made_now)
        await provisioning.complete(self._ctx, job, plan, room_id)
        logger.info("match %d is ready in %s", plan.match_id, room_id)

    async def _earlier_room(self, plan: RoomPlan) -> str | None:
        """The room an earlier attempt made for this match, adopted; None if there is none."""
        if self.sweep is None:
            return None
        # A room left by an earlier run is judged by the sweep (adopted: recorded).
        await self.sweep.done.wait()
        for mark in await self.sweep.rooms_for(plan.instance_id, plan.match_id):
            await self.sweep.judge(mark)
        owner = await provisioning.room_of(self._ctx, plan.match_id)
        return owner[1] if owner is not None else None

    async def _invite_missing(self, room_id: str, plan: RoomPlan) -> None:
        """Invite whoever an earlier attempt did not (someone who left stays out)."""
        assert self._rooms is not None
        for person in plan.people:
            if person.matrix_user_id and await self._rooms.membership(room_id, person.matrix_user_id) is None:
                logger.info("match %d: inviting %s, missing from %s", plan.match_id, person.matrix_user_id, room_id)
                await self._rooms.invite(room_id, person.matrix_user_id)

    async def _empty(self, room_id: str, plan: RoomPlan) -> None:
        """Withdraw both invites and leave; each step is skipped once done."""
        assert self._rooms is not None
        if await self._rooms.membership(room_id, self._rooms.user_id) != "join":
            return
        for person in plan.people:
            user_id = person.matrix_user_id
            if user_id and await self._rooms.membership(room_id, user_id) in ("invite", "join"):
                reason = addressing.for_people(*plan.people).gettext("This match was closed.")
                await self._rooms.kick(room_id, user_id, reason)
        await self._rooms.leave(room_id)
        logger.info("match %d was closed while its room was made; emptied %s", plan.match_id, room_id)

    async def _introduce(self, room_id: str, plan: RoomPlan, check_first: bool) -> None:
        """Post the introduction once: an adopted room may have it already."""
        if check_first and await room_lookup.has_intro(self._client, room_id):
            return
        # All read it: in the language they share, else English.
        t = addressing.for_people(*plan.people)
        _ = t.gettext
        shared = ", ".join(plan.shared_interests) or _("being on Kindred")
        if len(plan.people) == 2:
            if plan.from_round:
                # A round's introduction: nobody asked, so say why they are here.
                message = _(
                    "%(first)s and %(second)s, this week's round introduces you on Kindred! You both like:"
                    " %(shared)s. This room is just for the two of you - say hello."
                )
            else:
                message = _(
                    "%(first)s and %(second)s, you matched on Kindred! You both like: %(shared)s."
                    " This room is just for the two of you - say hello."
                )
        else:
            message = _(
                "%(first)s, %(second)s and %(third)s, this week's round introduces you on Kindred!"
                " Between you, you like: %(shared)s. This room is just for the three of you - say hello."
            )
        slots = ("first", "second", "third")[: len(plan.people)]
        names = dict(zip(slots, (person.display_name for person in plan.people), strict=True))
        body = message % {**names, "shared": shared}
        formatted = escape(message) % {
            **{slot: f"<b>{escape(name)}</b>" for slot, name in names.items()},
            "shared": f"<i>{escape(shared)}</i>",
        }
        if plan.from_round:
            # ... and how to begin.
            starter = _("To start: %(question)s") % {
                "question": Icebreakers().pick(str(plan.match_id), list(plan.shared_interests), t)
            }
            body, formatted = f"{body} {starter}", f"{formatted} {escape(starter)}"
        # The mark finds it again; the fixed transaction id makes a resend one event.
        await self._client.send_notice(
            room_id,
            body,
            formatted,
            extra={room_lookup.INTRO_KEY: plan.match_id},
            txn_id=f"kindred-intro-{plan.instance_id}-{plan.match_id}",
        )


def _topic(plan: RoomPlan, t: Translator) -> str:
    if not plan.shared_interests:
        return t.gettext("Matched on Kindred")
    return t.gettext("Matched on Kindred over %(interests)s") % {"interests": ", ".join(plan.shared_interests)}
