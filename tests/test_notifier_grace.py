"""The requester's 'accepted' news waits a short grace for the match room.

The homeserver is faked here so the room can be made late at will; the
message that arrives together with a ready room is covered against the real
homeserver in test_bot_notifications.
"""

from __future__ import annotations

import asyncio
from typing import Any

from domain import events
from matcher.notifier import Notifier
from store.users import User
from tests.helpers import eventually, sign_up
from web import keys


class FakeRooms:
    def __init__(self) -> None:
        self.notices: list[tuple[str, str]] = []

    async def notice(self, room_id: str, body: str, formatted: str | None = None) -> str:
        self.notices.append((room_id, body))
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
        ada, bo = await _pair_with_accepted_request(offline_client, notifier)
        ada_room = f"!dm-{ada.username}:localhost"

        def told_ada() -> list[str]:
            return [body for room, body in rooms.notices if room == ada_room and "accepted" in body]

        # No bot here, so the room never gets made: nothing during the grace...
        await asyncio.sleep(0.1)
        assert told_ada() == []
        # ...then the news alone, saying the room is still coming.
        told = await eventually(lambda: asyncio.sleep(0, told_ada()), timeout=5)
        assert len(told) == 1
        assert "Bo (@" in told[0] and "will tell you here when it is ready" in told[0]
        await asyncio.sleep(0.5)
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


async def test_notices_hold_back_while_rooms_are_made_but_never_for_long(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    rooms_idle = asyncio.Event()  # a room is being made
    notifier = Notifier(ctx, rooms, FakeDirect(), rooms_idle=rooms_idle, yield_to_rooms=0.5)  # type: ignore[arg-type]
    running = asyncio.create_task(notifier.run())
    try:
        ada = await sign_up(offline_client, "ada", "Ada", ["chess"])
        bo = await sign_up(offline_client, "bo", "Bo", ["chess"])
        cy = await sign_up(offline_client, "cy", "Cy", ["chess"])

        def told(person: Any) -> list[str]:
            return [body for room, body in rooms.notices if room == f"!dm-{person.username}:localhost"]

        # While rooms are being made, the notice waits...
        await ada.call("POST", "/requests", 201, json={"to": bo.username})
        await asyncio.sleep(0.2)
        assert told(bo) == []
        # ...and goes as soon as they are done.
        rooms_idle.set()
        assert "would like to connect" in (await eventually(lambda: asyncio.sleep(0, told(bo)), timeout=5))[0]

        # Rooms that never stop coming delay a notice by the bound only.
        rooms_idle.clear()
        await ada.call("POST", "/requests", 201, json={"to": cy.username})
        await asyncio.sleep(0.2)
        assert told(cy) == []
        assert await eventually(lambda: asyncio.sleep(0, told(cy)), timeout=5)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
