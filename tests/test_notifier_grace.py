"""The requester's 'accepted' news waits a short grace for the match room.

The homeserver is faked here so the room can be made late at will; the
message that arrives together with a ready room is covered against the real
homeserver in test_bot_notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator

from domain import events
from matcher.notifier import Notifier
from store.users import User
from tests.helpers import eventually, sign_up
from web import keys


class FakeRooms:
    def __init__(self) -> None:
        self.notices: list[tuple[str, str]] = []
        # The loop time each notice was sent at, in the same order.
        self.sent_at: list[float] = []

    async def notice(self, room_id: str, body: str, formatted: str | None = None) -> str:
        self.notices.append((room_id, body))
        self.sent_at.append(asyncio.get_running_loop().time())
        return f"$event{len(self.notices)}"


class FakeDirect:
    async def room_for(self, user: User) -> str:
        return f"!dm-{user.username}:localhost"


async def _pair_with_accepted_request(offline_client: Any, notifier: Notifier) -> tuple[Any, Any]:
    ada = await sign_up(offline_client, "ada", "Ada", ["chess"])
    bo = await sign_up(offline_client, "bo", "Bo", ["chess"])
    sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
    await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    return ada, bo


async def test_the_accepted_news_goes_alone_once_the_room_is_late(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    notifier = Notifier(ctx, rooms, FakeDirect(), accept_grace=0.3)  # type: ignore[arg-type]
    running = asyncio.create_task(notifier.run())
    try:
        before_accept = asyncio.get_running_loop().time()
        ada, bo = await _pair_with_accepted_request(offline_client, notifier)
        ada_room = f"!dm-{ada.username}:localhost"

        def told_ada() -> list[str]:
            return [body for room, body in rooms.notices if room == ada_room and "accepted" in body]

        # No bot here, so the room never gets made: the news goes alone,
        # saying the room is still coming...
        told = await eventually(lambda: asyncio.sleep(0, told_ada()), timeout=5)
        assert len(told) == 1
        assert "Bo (@" in told[0] and "will tell you here when it is ready" in told[0]
        # ...and not during the grace: its clock started after the accept began.
        sent_at = rooms.sent_at[rooms.notices.index((ada_room, told[0]))]
        assert sent_at - before_accept >= 0.3
        # Once only: a later notice to Ada (Carl's request) went through the
        # same queue after it, and the 'accepted' news is still alone.
        carl = await sign_up(offline_client, "carl", "Carl", ["chess"])
        await carl.call("POST", "/requests", 201, json={"to": ada.username})
        await eventually(lambda: asyncio.sleep(0, any("Carl" in b for r, b in rooms.notices if r == ada_room)))
        assert len(told_ada()) == 1
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_an_acceptance_without_a_pending_room_is_told_at_once(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    notifier = Notifier(ctx, rooms, FakeDirect(), accept_grace=60)  # type: ignore[arg-type]
    ada, bo = await _pair_with_accepted_request(offline_client, notifier)
    accepted = await ada.call("GET", "/requests?box=outgoing&status=accepted", 200)
    request_id = accepted["requests"][0]["id"]
    # An event without a match id (as after the grace) is never deferred.
    await notifier.handle(events.Event(events.REQUEST_ACCEPTED, (), {"request_id": request_id}))
    assert [body for _, body in rooms.notices if "accepted your request" in body]


@contextlib.asynccontextmanager
async def _recording(offline_client: Any, rooms_idle: asyncio.Event, ready_hold: float) -> AsyncIterator[tuple[Any, list[str]]]:
    """A running notifier that notes the type of each event it would act on."""
    ctx = offline_client.app[keys.KINDRED]
    notifier = Notifier(ctx, FakeRooms(), FakeDirect(), rooms_idle=rooms_idle, ready_hold=ready_hold)  # type: ignore[arg-type]
    handled: list[str] = []

    async def record(event: events.Event) -> None:
        handled.append(event.type)

    notifier.handle = record  # type: ignore[method-assign]
    running = asyncio.create_task(notifier.run())
    await asyncio.sleep(0)  # subscribed
    try:
        yield ctx, handled
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_ready_notices_wait_for_the_rooms_being_made_and_nothing_else_does(offline_client) -> None:
    rooms_idle = asyncio.Event()  # rooms are being made
    async with _recording(offline_client, rooms_idle, ready_hold=60) as (ctx, handled):
        ctx.events.publish(events.Event(events.MATCH_READY, (1, 2), {"match_id": 7}))
        ctx.events.publish(events.Event(events.REQUEST_RECEIVED, (1, 2), {"request_id": 3}))
        # The request's notice goes at once, not behind the held one...
        await eventually(lambda: asyncio.sleep(0, handled == [events.REQUEST_RECEIVED]), timeout=5)
        # ...and it is still held when a later event has gone through.
        ctx.events.publish(events.Event(events.REQUEST_RECEIVED, (1, 2), {"request_id": 4}))
        await eventually(lambda: asyncio.sleep(0, handled.count(events.REQUEST_RECEIVED) == 2), timeout=5)
        assert events.MATCH_READY not in handled
        # ...and the ready notice as soon as the rooms are made.
        rooms_idle.set()
        await eventually(lambda: asyncio.sleep(0, handled[-1:] == [events.MATCH_READY]), timeout=5)


async def test_a_ready_notice_is_held_for_a_bounded_time_only(offline_client) -> None:
    rooms_idle = asyncio.Event()  # rooms that never stop coming
    async with _recording(offline_client, rooms_idle, ready_hold=0.3) as (ctx, handled):
        ctx.events.publish(events.Event(events.MATCH_READY, (1, 2), {"match_id": 7}))
        await eventually(lambda: asyncio.sleep(0, handled == [events.MATCH_READY]), timeout=5)
        assert not rooms_idle.is_set()


async def test_a_held_ready_notice_keeps_the_accepted_news_from_going_alone(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    rooms_idle = asyncio.Event()
    notifier = Notifier(ctx, rooms, FakeDirect(), accept_grace=0.2, rooms_idle=rooms_idle, ready_hold=60)  # type: ignore[arg-type]
    running = asyncio.create_task(notifier.run())
    try:
        ada, bo = await _pair_with_accepted_request(offline_client, notifier)
        matches = await ada.call("GET", "/matches", 200)
        match_id = matches["matches"][0]["id"]
        # The accepted news is now waiting for the room.
        await eventually(lambda: asyncio.sleep(0, match_id in notifier._awaiting_room), timeout=5)
        ctx.events.publish(events.Event(events.MATCH_READY, (), {"match_id": match_id}))
        # Past the accept grace, with the ready notice still held: no lone
        # 'accepted' news. This wait is needed: the news would only go when
        # the grace timer fires, and nothing observable marks that it fired
        # and found the news claimed.
        await asyncio.sleep(0.5)
        assert not [body for _, body in rooms.notices if "accepted" in body]
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
