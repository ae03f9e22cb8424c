"""The bot's side of domain events: it tells people in their direct room
when a request comes in, is accepted, or their match room is ready, and it
empties a match's room when the match closes.

An accepted request and its ready room usually come a fraction of a second
apart, so the requester hears of both in one message: the 'accepted' news
waits a short grace for the room and goes alone only if the room is late.
Besides sparing people two pings, nothing is posted while the homeserver is
busy opening the room.

Subscribers must not block the request that published the event, so events
go on a bounded queue that a few workers drain. Few on purpose: a nudge may
wait a moment, while opening match rooms (the room worker) should not. For
the same reason the 'room is ready' notices hold back while rooms are still
being made (half a minute at most): in a burst of accepts the homeserver
works on the rooms first, and each person sees their invite in their Matrix
client (and the match on the web) as soon as their room exists; the nudges
in the direct rooms follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bridge.bot_rooms import BotRooms
from bridge.errors import BridgeError
from domain import accounts, events, matches, requests
from domain.context import Kindred
from matcher.direct_rooms import DirectRooms
from matcher.replies import Reply
from store.requests import Request
from store.users import User

logger = logging.getLogger(__name__)

_HANDLED = {events.REQUEST_RECEIVED, events.REQUEST_ACCEPTED, events.MATCH_READY, events.MATCH_CLOSED}
_QUEUE = 10_000
# How long the 'accepted' news waits for the room to be ready (seconds).
ACCEPT_GRACE = 10.0
# How long a 'room is ready' notice may hold back for rooms being made (seconds).
READY_HOLD = 30.0


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
    ) -> None:
        self._ctx = ctx
        self._rooms = rooms
        self._direct = direct
        self._workers = workers
        self._queue: asyncio.Queue[events.Event] = asyncio.Queue(_QUEUE)
        # 'Ready' events held while rooms are being made, with the loop time
        # each arrived at; in arrival order, so the head is the most overdue.
        self._held: asyncio.Queue[tuple[events.Event, float]] = asyncio.Queue(_QUEUE)
        self._rooms_idle = rooms_idle
        self._ready_hold = ready_hold
        self._accept_grace = accept_grace
        # match id -> the accepted request whose news waits for the room.
        self._awaiting_room: dict[int, int] = {}

    def on_event(self, event: events.Event) -> None:
        if event.type not in _HANDLED:
            return
        try:
            if event.type == events.MATCH_READY:
                self._held.put_nowait((self._with_accepted_news(event), asyncio.get_running_loop().time()))
            else:
                self._queue.put_nowait(event)
        except asyncio.QueueFull:
            # The pages and the API still show it; only the nudge is lost.
            logger.warning("notification queue full; dropped %s", event.type)

    def _with_accepted_news(self, event: events.Event) -> events.Event:
        """The ready event, carrying the accepted request whose news waited
        for it: claimed now, so that news is not sent alone after all while
        the ready notice is held."""
        accepted = self._awaiting_room.pop(int(event.data["match_id"]), None)
        if accepted is None:
            return event
        return events.Event(event.type, event.user_ids, {**event.data, "accepted_request_id": accepted})

    async def run(self) -> None:
        unsubscribe = self._ctx.events.subscribe(self.on_event)
        try:
            await asyncio.gather(self._release_held(), *(self._work() for _ in range(self._workers)))
        finally:
            unsubscribe()

    async def _release_held(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            event, arrived = await self._held.get()
            left = arrived + self._ready_hold - loop.time()
            if self._rooms_idle is not None and not self._rooms_idle.is_set() and left > 0:
                # Bounded from arrival, so a steady stream of rooms delays
                # each notice by the hold at most, never starves it.
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._rooms_idle.wait(), left)
            try:
                self._queue.put_nowait(event)
            except asyncio.QueueFull:
                logger.warning("notification queue full; dropped %s", event.type)

    async def _work(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                await self.handle(event)
            except asyncio.CancelledError:
                raise
            except BridgeError as exc:
                logger.warning("could not act on %s: %s", event.type, exc)
            except Exception:  # noqa: BLE001 - one bad event must not stop the bot
                logger.exception("notifying %s failed", event.type)

    async def handle(self, event: events.Event) -> None:
        if event.type == events.MATCH_CLOSED:
            await self._close_room(int(event.data["match_id"]), event.data.get("closed_by"))
        elif event.type == events.MATCH_READY:
            await self._match_ready(int(event.data["match_id"]), event.data.get("accepted_request_id"))
        else:
            request = await requests.load(self._ctx, int(event.data["request_id"]))
            if request is None:
                return
            if event.type == events.REQUEST_RECEIVED and request.status == "pending":
                await self._request_received(request)
            elif event.type == events.REQUEST_ACCEPTED:
                await self._request_accepted(request, event.data.get("match_id"))

    async def _request_accepted(self, request: Request, match_id: object) -> None:
        if isinstance(match_id, int):
            match = await matches.load(self._ctx, match_id)
            if match is not None and match.status == "provisioning":
                self._awaiting_room[match_id] = request.id
                asyncio.get_running_loop().call_later(self._accept_grace, self._room_is_late, match_id)
                return
        reply = Reply().person(request.to_display_name, request.to_username)
        reply.text(" accepted your request! I'm opening a private room for you two")
        reply.text(" and will tell you here when it is ready.")
        await self._tell(request.from_user_id, reply)

    def _room_is_late(self, match_id: int) -> None:
        request_id = self._awaiting_room.pop(match_id, None)
        if request_id is not None:
            # Told on its own after all; without a match id it is not deferred again.
            self.on_event(events.Event(events.REQUEST_ACCEPTED, (), {"request_id": request_id}))

    async def _request_received(self, request: Request) -> None:
        shared = await matches.shared_between(self._ctx, request.from_user_id, request.to_user_id)
        reply = Reply().person(request.from_display_name, request.from_username)
        reply.text(" would like to connect with you.").line().text("You both like: ")
        reply.interests(shared, "no interests in common yet").text(".")
        if request.note:
            reply.line().text("Their note: ").quote(request.note)
        reply.line().text("Answer with ").code(f"!accept {request.from_username}")
        reply.text(" or ").code(f"!reject {request.from_username}").text(", or on the web: ")
        reply.link(self._requests_page())
        await self._tell(request.to_user_id, reply)

    async def _match_ready(self, match_id: int, accepted: object) -> None:
        match = await matches.load(self._ctx, match_id)
        if match is None or match.status != "ready":
            return
        requester = None
        if isinstance(accepted, int):
            request = await requests.load(self._ctx, accepted)
            requester = request.from_user_id if request is not None else None
        pair = await matches.people(self._ctx, match)
        shared = await matches.shared_between(self._ctx, match.user_low, match.user_high)
        for person, other in (pair, pair[::-1]):
            if person.id == requester:
                reply = Reply().person(other.display_name, other.username)
                reply.text(" accepted your request! Your room is ready: ")
            else:
                reply = Reply("Your room with ").person(other.display_name, other.username).text(" is ready: ")
            reply.link(self._ctx.links.room_url(match.room_id) or "", "open it")
            reply.text(". You both like: ").interests(shared, "being on Kindred").text(". Say hello!")
            await self._tell(person.id, reply)

    async def _close_room(self, match_id: int, closed_by: object) -> None:
        match = await matches.load(self._ctx, match_id)
        if match is None or match.room_id is None:
            return
        pair = await matches.people(self._ctx, match)
        closer = next((p for p in pair if p.id == closed_by), None)
        reply = Reply()
        if closer is not None:
            reply.bold(closer.display_name).text(" closed this match.")
        else:
            reply.text("This match has been closed.")
        reply.text(" I'm closing this room now. Take care!")
        await self._rooms.notice(match.room_id, reply.body, reply.formatted)
        for person in pair:
            if person.matrix_user_id:
                await self._kick(match.room_id, person)
        # The bot leaves too: closed rooms must not weigh on its sync.
        await self._rooms.leave(match.room_id)

    async def _kick(self, room_id: str, person: User) -> None:
        assert person.matrix_user_id
        try:
            await self._rooms.kick(room_id, person.matrix_user_id, "This match was closed.")
        except BridgeError as exc:
            # Already gone (left, or never joined and the invite expired).
            logger.info("could not remove %s from %s: %s", person.matrix_user_id, room_id, exc)

    async def _tell(self, user_id: int, reply: Reply) -> None:
        user = await accounts.active_user(self._ctx, user_id)
        if user is None:
            return
        room_id = await self._direct.room_for(user)
        if room_id is not None:
            await self._rooms.notice(room_id, reply.body, reply.formatted)

    def _requests_page(self) -> str:
        # The web's own path for the requests page (the bot has no router).
        return f"{self._ctx.links.web_url.rstrip('/')}/requests"
