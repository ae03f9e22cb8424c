"""Reading ``!commands`` from the rooms the bot is in and answering them.

A message is a command when it starts with ``!``; anything else is people
talking and is left alone. Where a command may run depends on the room: a
person's direct room (only that person), or a match room (only its two
people). Anyone else gets a short refusal, an unknown command a pointer to
``!help``, and someone sending too fast a polite request to slow down.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bridge.bot_rooms import BotRooms
from bridge.bot_sync import Message
from domain import accounts, bot_state, events, linking
from domain.bot_state import RoomRole
from domain.context import Kindred
from domain.errors import KindredError
from matcher.direct_commands import DIRECT
from matcher.direct_rooms import DirectRooms
from matcher.icebreakers import Icebreakers
from matcher.replies import Reply
from matcher.room_commands import ROOM, RoomCall, Said
from matcher.throttle import CommandThrottle
from store.users import User

logger = logging.getLogger(__name__)

_COMMAND = re.compile(r"^!([a-z][a-z0-9_-]*)(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)
# Room commands whose answers (errors included) only the sender should see.
_PRIVATE = {"block", "report"}


@dataclass(frozen=True)
class Command:
    name: str
    args: str


def parse(body: str) -> Command | None:
    found = _COMMAND.match(body.strip())
    if found is None:
        return None
    return Command(found.group(1).lower(), (found.group(2) or "").strip())


class Commands:
    def __init__(
        self,
        ctx: Kindred,
        rooms: BotRooms,
        direct: DirectRooms,
        throttle: CommandThrottle | None = None,
        icebreakers: Icebreakers | None = None,
    ) -> None:
        self._ctx = ctx
        self._rooms = rooms
        self._direct = direct
        self._throttle = throttle or CommandThrottle()
        self._icebreakers = icebreakers or Icebreakers()

    async def handle(self, message: Message) -> None:
        command = parse(message.body)
        if command is None or message.sender == self._rooms.user_id:
            return
        role = await bot_state.role_of(self._ctx, message.room_id)
        # A code comes back in the room the bot sent it to, which is nobody's
        # direct room yet: the sender is not on Kindred until it checks out.
        if role is None and command.name != "verify":
            return
        verdict = self._throttle.check(message.sender)
        if not verdict.allowed:
            if verdict.warn_seconds is not None:
                await self._say(message.room_id, _slow_down(verdict.warn_seconds))
            return
        if command.name == "verify":
            await self._say(message.room_id, await _verify_link(self._ctx, message, command.args))
            return
        sender = await accounts.by_matrix_id(self._ctx, message.sender)
        said = await self._answer(role, sender, command)
        self._count(command, sender)
        if said.reply is None:
            return
        if said.private and sender is not None:
            room_id = await self._direct.room_for(sender)
            if room_id is not None:
                await self._say(room_id, said.reply)
        else:
            await self._say(message.room_id, said.reply)

    async def _answer(self, role: RoomRole, sender: User | None, command: Command) -> Said:
        private = role.match is not None and command.name in _PRIVATE
        try:
            if role.direct_owner is not None:
                return Said(await self._direct_command(role.direct_owner, sender, command))
            assert role.match is not None
            return await self._room_command(role, sender, command)
        except KindredError as exc:
            reply = Reply(exc.message)
            if exc.retry_after:
                reply.text(f" (try again in {exc.retry_after} s)")
            return Said(reply, private)

    async def _direct_command(self, owner: User, sender: User | None, command: Command) -> Reply:
        if sender is None or sender.id != owner.id:
            return Reply("Sorry, I only take commands here from the person this room is for.")
        handler = DIRECT.get(command.name)
        if handler is None:
            return _unknown(command)
        return await handler(self._ctx, sender, command.args)

    async def _room_command(self, role: RoomRole, sender: User | None, command: Command) -> Said:
        match = role.match
        assert match is not None
        if sender is None or not match.involves(sender.id):
            return Said(Reply("Sorry, only the two people matched in this room can use my commands."))
        if match.status == "closed":
            return Said(Reply("This match is closed."))
        handler = ROOM.get(command.name)
        if handler is None:
            return Said(_unknown(command))
        return await handler(RoomCall(self._ctx, sender, match, command.args, self._icebreakers))

    def _count(self, command: Command, sender: User | None) -> None:
        # A fixed set of names: anything else counts as "unknown" (it is a metrics label).
        name = command.name if command.name in DIRECT or command.name in ROOM else "unknown"
        who = (sender.id,) if sender is not None else ()
        self._ctx.events.publish(events.Event(events.BOT_COMMAND, who, {"command": name}))

    async def _say(self, room_id: str, reply: Reply) -> None:
        await self._rooms.notice(room_id, reply.body, reply.formatted)


async def _verify_link(ctx: Kindred, message: Message, code: str) -> Reply:
    try:
        user = await linking.verify_in_room(ctx, message.sender, message.room_id, code)
    except KindredError as exc:
        return Reply(exc.message)
    reply = Reply("Verified! ").person(user.display_name, user.username)
    return reply.text(" on Kindred now uses this Matrix ID: your match rooms and my messages come here.")


def _unknown(command: Command) -> Reply:
    reply = Reply("I don't know ").code(f"!{command.name}")
    return reply.text(". Send ").code("!help").text(" for what I can do.")


def _slow_down(seconds: int) -> Reply:
    return Reply(f"You're sending commands faster than I can answer. Please wait {seconds} s and try again.")
