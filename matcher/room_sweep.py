"""Rooms the homeserver made for matches but the database never recorded.

They are left by a crash between ``createRoom`` and recording its answer
(the room is whole: adopt it), or by a homeserver that died while making a
room (it holds only the bot: purge it). Both carry the creation mark (see
bridge.room_lookup), so they can be told apart from everything else.

At start, when a job shows that an attempt was interrupted (so a room may
have been left), the bot's joined rooms are listed once, before the room
worker takes any job, so none of them can be a room being made right now. Those the
database knows (nearly all) cost one query per few hundred and nothing on
the homeserver; only the rest are looked at, a few at a time, in the
background, and each one marked for a match of this instance is adopted or
purged (``domain.provisioning.verdict``). A job retried within the same run
asks ``rooms_for`` about rooms joined since then, for the lost answer to a
``createRoom`` it sent itself.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, TypeVar

from bridge import room_lookup
from bridge.errors import BridgeError
from bridge.matrix_client import MatrixClient
from bridge.room_lookup import RoomMark
from domain import provisioning
from domain.context import Kindred

logger = logging.getLogger(__name__)

T = TypeVar("T")

_MAX_BACKOFF = 10.0


class RoomSweep:
    def __init__(self, ctx: Kindred, client: MatrixClient) -> None:
        self._ctx = ctx
        self._client = client
        # Set once the rooms present at start are listed: rooms may be made from then on.
        self.listed = asyncio.Event()
        # Set once each of those has been judged (adopted rooms are recorded by then).
        self.done = asyncio.Event()
        # Rooms whose fate is settled, and marks read but not yet acted on.
        self._settled: set[str] = set()
        self._marks: dict[str, RoomMark] = {}
        self._lock = asyncio.Lock()

    async def run(self) -> None:
        if not await self._retrying(lambda: provisioning.may_have_debris(self._ctx)):
            # Nothing was interrupted: no room to look for, none to wait for.
            self.listed.set()
            self.done.set()
            return
        rooms = await self._retrying(lambda: room_lookup.joined_rooms(self._client))
        self._settled.update(rooms)
        self.listed.set()
        await self._retrying(lambda: self._judge_all(rooms))
        self.done.set()
        logger.info("room sweep: %d joined rooms checked", len(rooms))

    async def _judge_all(self, rooms: list[str]) -> None:
        unknown = await provisioning.unrecorded(self._ctx, rooms)
        if not unknown:
            return
        instance_id = await provisioning.this_instance(self._ctx)
        slots = asyncio.Semaphore(room_lookup.PARALLEL)

        async def one(room_id: str) -> None:
            async with slots:
                try:
                    mark = await room_lookup.mark_of(self._client, room_id)
                    if mark is not None and mark.instance_id == instance_id:
                        await self.judge(mark)
                except BridgeError as exc:
                    if exc.unreachable:
                        raise  # the whole sweep is tried again
                    logger.warning("room sweep could not settle %s: %s", room_id, exc)

        await asyncio.gather(*(one(room_id) for room_id in unknown))

    async def judge(self, mark: RoomMark) -> None:
        """Adopt the room for its match, or purge it; a no-op for the match's own room."""
        owner = await provisioning.room_of(self._ctx, mark.match_id)
        complete = owner == ("provisioning", None) and await room_lookup.is_complete(self._client, mark)
        action = provisioning.verdict(owner, mark.room_id, complete)
        if action == provisioning.ADOPT:
            if await provisioning.adopt(self._ctx, mark.match_id, mark.room_id):
                logger.info("match %d: adopted room %s left by an earlier attempt", mark.match_id, mark.room_id)
                action = provisioning.KEEP
            else:
                action = provisioning.PURGE
        if action == provisioning.PURGE:
            logger.info("match %d: room %s is debris (owner %s); purging it", mark.match_id, mark.room_id, owner)
            await room_lookup.purge(self._client, mark.room_id)
        self._marks.pop(mark.room_id, None)
        self._settled.add(mark.room_id)

    async def rooms_for(self, instance_id: str, match_id: int) -> list[RoomMark]:
        """Unrecorded rooms marked for this match among those joined since the start.

        Only the match's own job calls this, between attempts, so none of
        them is being made at the time.
        """
        async with self._lock:
            rooms = await room_lookup.joined_rooms(self._client)
            fresh = [r for r in rooms if r not in self._settled and r not in self._marks]
            unknown = set(await provisioning.unrecorded(self._ctx, fresh))
            # Recorded ones are someone's; the rest may be another job's room
            # being made, so they are only read, never judged, here.
            self._settled.update(r for r in fresh if r not in unknown)
            marks = {mark.room_id: mark for mark in await room_lookup.marks_of(self._client, unknown)}
            # A room without the mark never becomes a match room: not read again.
            self._settled.update(r for r in unknown if r not in marks)
            self._marks.update(marks)
            return [
                mark for mark in self._marks.values() if mark.instance_id == instance_id and mark.match_id == match_id
            ]

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        delay = 1.0
        while True:
            try:
                return await call()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a homeserver or database away must not end the sweep
                logger.warning("room sweep failed (%s); trying again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)
