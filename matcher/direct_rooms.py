"""Each person's one direct room with the bot: made on first need, marked
direct on both sides, reused afterwards, and made again if they left it.

A room is marked from its first event with this instance and the person, and
the attempt is noted before the homeserver is asked: a crash between the
homeserver making the room and Kindred recording it leaves the note, and the
next attempt finds that room and adopts it instead of opening a second.
"""

from __future__ import annotations

import asyncio
import collections
import logging

from bridge.bot_rooms import BotRooms
from bridge.errors import BridgeError
from domain import bot_jobs, bot_state, matrix_ids
from domain.context import Kindred
from store.users import User

logger = logging.getLogger(__name__)

# People hash onto a fixed set of locks: two notes for one person never race
# to make two rooms, and the locks take the same memory for any crowd.
_LOCKS = 64
# Rooms whose person was found in them during this run. Leaving is seen on
# the sync and drops the room, so they need no second look; bounded.
_CHECKED = 10_000


class DirectRooms:
    def __init__(self, ctx: Kindred, rooms: BotRooms) -> None:
        self._ctx = ctx
        self._rooms = rooms
        self._instance_id: str | None = None
        self._locks = [asyncio.Lock() for _ in range(_LOCKS)]
        self._checked: collections.OrderedDict[str, None] = collections.OrderedDict()

    async def room_for(self, user: User) -> str | None:
        """The person's direct room, made if needed; None if they have no Matrix ID."""
        # A Matrix ID linked from another server replaces the local account here.
        matrix_user_id = await matrix_ids.effective_id(self._ctx, user)
        if not matrix_user_id:
            return None
        async with self._locks[user.id % _LOCKS]:
            room_id = await bot_state.direct_room_of(self._ctx, user.id)
            if room_id is not None:
                if room_id in self._checked:
                    self._checked.move_to_end(room_id)
                    return room_id
                if await self._rooms.membership(room_id, matrix_user_id) in ("join", "invite"):
                    self._remember_checked(room_id)
                    return room_id
                await self.drop(room_id)
            marker = {"instance": await self._instance(), "user_id": user.id}
            room_id = await self._made_earlier(user, matrix_user_id, marker)
            if room_id is None:
                await bot_state.start_direct_room(self._ctx, user.id)
                room_id = await self._rooms.create_direct_room(matrix_user_id, marker)
            await bot_state.remember_direct_room(self._ctx, user.id, room_id)
            self._remember_checked(room_id)
        logger.info("opened direct room %s with %s", room_id, matrix_user_id)
        # Only a local account's own m.direct can be written for it.
        await self._mark(matrix_user_id, room_id, both_sides=self._is_local(matrix_user_id))
        return room_id

    async def _made_earlier(self, user: User, matrix_user_id: str, marker: dict[str, object]) -> str | None:
        """The room an interrupted attempt made for this person, if it is still theirs."""
        if not await bot_state.direct_room_was_started(self._ctx, user.id):
            return None
        room_id = await self._rooms.find_direct_room(marker)
        if room_id is None or await self._rooms.membership(room_id, matrix_user_id) not in ("join", "invite"):
            return None
        logger.info("adopting direct room %s made for %s before an interruption", room_id, matrix_user_id)
        return room_id

    async def _instance(self) -> str:
        if self._instance_id is None:
            self._instance_id = await bot_jobs.instance_id(self._ctx)
        return self._instance_id

    async def adopt(self, user: User, room_id: str) -> None:
        """Make a room the person opened with the bot their direct room."""
        matrix_user_id = await matrix_ids.effective_id(self._ctx, user)
        assert matrix_user_id
        async with self._locks[user.id % _LOCKS]:
            old = await bot_state.direct_room_of(self._ctx, user.id)
            await bot_state.remember_direct_room(self._ctx, user.id, room_id)
        if old is not None and old != room_id:
            await self._leave(old)
        # Their client marked it direct when it made the room.
        await self._mark(matrix_user_id, room_id, both_sides=False)

    async def drop_if_owner_left(self, room_id: str, matrix_user_id: str) -> None:
        role = await bot_state.role_of(self._ctx, room_id)
        owner = role.direct_owner if role is not None else None
        if owner is not None and await matrix_ids.effective_id(self._ctx, owner) == matrix_user_id:
            await self.drop(room_id)

    def _is_local(self, matrix_user_id: str) -> bool:
        return matrix_ids.server_of(matrix_user_id) == self._ctx.links.server_name

    def _remember_checked(self, room_id: str) -> None:
        self._checked[room_id] = None
        if len(self._checked) > _CHECKED:
            self._checked.popitem(last=False)

    async def drop(self, room_id: str) -> None:
        """Forget a direct room the person left, and leave it too."""
        self._checked.pop(room_id, None)
        if await bot_state.forget_direct_room(self._ctx, room_id):
            await self._leave(room_id)

    async def _leave(self, room_id: str) -> None:
        try:
            await self._rooms.leave(room_id)
        except BridgeError as exc:
            logger.info("could not leave %s: %s", room_id, exc)

    async def _mark(self, matrix_user_id: str, room_id: str, both_sides: bool) -> None:
        # Marking only changes how clients list the room; it works without.
        try:
            await self._rooms.mark_direct(matrix_user_id, room_id, both_sides)
        except BridgeError as exc:
            logger.warning("could not mark %s direct for %s: %s", room_id, matrix_user_id, exc)
