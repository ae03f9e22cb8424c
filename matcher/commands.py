"""Reading ``!commands`` from the rooms the bot is in and answering them.

A message is a command when it starts with ``!``; anything else is people
talking and is left alone. Where a command may run depends on the room: a
person's direct room (only that person), or a match room (only its two
people). Anyone else gets a short refusal, an unknown command a pointer to
``!help``, and someone sending too fast a polite request to slow down.

Answers are in the language of whoever reads them (``domain.addressing``):
in a direct room its person's, in a match room the pair's shared language
(else English), and a private answer the sender's own.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bridge.bot_rooms import BotRooms
from bridge.sync_reader import Message
from config.i18n import Translator
from domain import accounts, addressing, bot_state, events, matches
from domain.bot_state import RoomRole
from domain.context import Kindred
from domain.errors import KindredError
from matcher import command_table
from matcher.calls import Call, Place, Spec
from matcher.direct_rooms import DirectRooms
from matcher.icebreakers import Icebreakers
from matcher.replies import Reply
from matcher.throttle import CommandThrottle
from store.users import User

logger = logging.getLogger(__name__)

_COMMAND = re.compile(r"^!([a-z][a-z0-9_-]*)(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)


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
        spec = command_table.find(command.name)
        if role is None and (spec is None or Place.UNKNOWN not in spec.places):
            # Not a room of Kindred's: the bot keeps quiet there.
            return
        verdict = self._throttle.check(message.sender)
        if not verdict.allowed:
            if verdict.warn_seconds is not None:
                t = await self._room_language(role, None)
                await self._say(message.room_id, _slow_down(t, verdict.warn_seconds))
            return
        sender = await accounts.by_matrix_id(self._ctx, message.sender)
        private = spec is not None and spec.private and role is not None and role.direct_owner is None
        # A private answer is read by the sender alone, anything else by the room.
        t = addressing.for_person(sender) if private else await self._room_language(role, sender)
        call = Call(self._ctx, message.room_id, message.sender, sender, role, command.args, self._icebreakers, t)
        reply = await self._answer(call, command, spec)
        self._count(command, spec, sender)
        if reply is None:
            return
        if private and sender is not None:
            room_id = await self._direct.room_for(sender)
            if room_id is not None:
                await self._say(room_id, reply)
        else:
            await self._say(message.room_id, reply)

    async def _answer(self, call: Call, command: Command, spec: Spec | None) -> Reply | None:
        if spec is None or not spec.anyone:
            refusal = _refusal(call)
            if refusal is not None:
                return refusal
        if spec is None or _place(call) not in spec.places:
            return _unknown(call.t, command)
        try:
            return await spec.handler(call)
        except KindredError as exc:
            reply = Reply(call.error(exc))
            if exc.retry_after:
                reply.text(" ").text(call.t.gettext("(try again in %(seconds)s s)") % {"seconds": exc.retry_after})
            return reply

    async def _room_language(self, role: RoomRole | None, sender: User | None) -> Translator:
        """The language of the people who read the room: its owner, the
        matched pair, or (a room Kindred does not know) the sender."""
        if role is not None and role.direct_owner is not None:
            return addressing.for_person(role.direct_owner)
        if role is not None and role.match is not None:
            return addressing.for_people(*await matches.people(self._ctx, role.match))
        return addressing.for_person(sender)

    def _count(self, command: Command, spec: Spec | None, sender: User | None) -> None:
        # A fixed set of names: anything else counts as "unknown" (it is a metrics label).
        name = spec.name if spec is not None else "unknown"
        who = (sender.id,) if sender is not None else ()
        self._ctx.events.publish(events.Event(events.BOT_COMMAND, who, {"command": name}))

    async def _say(self, room_id: str, reply: Reply) -> None:
        await self._rooms.notice(room_id, reply.body, reply.formatted)


def _place(call: Call) -> Place:
    if call.role is None:
        return Place.UNKNOWN
    if call.role.circle is not None:
        return Place.CIRCLE
    return Place.MATCH if call.role.match is not None else Place.DIRECT


def _refusal(call: Call) -> Reply | None:
    """Why the sender may not command in this room, or None when they may."""
    role, sender, _ = call.role, call.sender, call.t.gettext
    if role is not None and role.direct_owner is not None:
        if sender is None or sender.id != role.direct_owner.id:
            return Reply(_("Sorry, I only take commands here from the person this room is for."))
        return None
    if role is not None and role.match is not None:
        if sender is None or not role.match.involves(sender.id):
            return Reply(_("Sorry, only the two people matched in this room can use my commands."))
        if role.match.status == "closed":
            return Reply(_("This match is closed."))
    if role is not None and role.circle is not None and sender is None:
        return Reply(_("Sorry, I only take commands here from people on Kindred."))
    return None


def _unknown(t: Translator, command: Command) -> Reply:
    return Reply().fill(
        t.gettext("I don't know %(command)s. Send %(help)s for what I can do."),
        command=Reply().code(f"!{command.name}"),
        help=Reply().code("!help"),
    )


def _slow_down(t: Translator, seconds: int) -> Reply:
    message = t.gettext("You're sending commands faster than I can answer. Please wait %(seconds)s s and try again.")
    return Reply(message % {"seconds": seconds})
