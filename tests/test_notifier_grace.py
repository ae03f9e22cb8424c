"""The requester's 'accepted' news waits a short grace for the match room.

The homeserver is faked here so the room can be made late at will (the
match is marked ready in the store, as the room worker would); the message
that arrives together with a ready room is covered against the real
homeserver in test_bot_notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator

from domain import events
from matcher.notifier import Notifier
from store import matches
from store.users import User
from tests.helpers import Api, eventually, sign_up
from web import keys


class FakeRooms:
    def __init__(self) -> None:
        self.notices: list[tuple[str, str]] = []
        # The loop time each notice was sent at, in the same order.
        self.sent_at: list[float] = []

    async def notice(self, room_id: str, body: str, formatted: str | None = None, txn_id: str | None = None) -> str:
        self.notices.append((room_id, body))
        self.sent_at.append(asyncio.get_running_loop().time())
        return f"$event{len(self.notices)}"


class FakeDirect:
    async def room_for(self, user: User) -> str:
        return f"!dm-{user.username}:localhost"


async def _pair_with_accepted_request(offline_client: Any) -> tuple[Api, Api, int]:
    ada = await sign_up(offline_client, "ada", "Ada", ["chess"])
    bo = await sign_up(offline_client, "bo", "Bo", ["chess"])
    sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
    accepted = await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    return ada, bo, accepted["match"]["id"]


async def _room_made(ctx: Any, match_id: int) -> None:
    """What the room worker does once the room exists: record it, mark ready, publish."""
    async with ctx.db.transaction() as conn:
        await matches.set_room(conn, match_id, f"!match{match_id}:localhost")
        assert await matches.mark_ready(conn, match_id)
    ctx.events.publish(events.Event(events.MATCH_READY, (), {"match_id": match_id}))


@contextlib.asynccontextmanager
async def _running(notifier: Notifier) -> AsyncIterator[None]:
    running = asyncio.create_task(notifier.run())
    await asyncio.sleep(0)  # subscribed
    try:
        yield
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


def _told(rooms: FakeRooms, person: Api, *needles: str) -> list[str]:
    room = f"!dm-{person.username}:localhost"
    return [body for r, body in rooms.notices if r == room and all(n in body for n in needles)]


async def test_the_accepted_news_goes_alone_once_the_room_is_late(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    notifier = Notifier(ctx, rooms, FakeDirect(), accept_grace=0.3)  # type: ignore[arg-type]
    async with _running(notifier):
        before_accept = asyncio.get_running_loop().time()
        ada, _, _ = await _pair_with_accepted_request(offline_client)
        # No bot here, so the room never gets made: the news goes alone,
        # saying the room is still coming...
        told = await eventually(lambda: asyncio.sleep(0, _told(rooms, ada, "accepted")), timeout=5)
        assert len(told) == 1
        assert "Bo (@" in told[0] and "will tell you here when it is ready" in told[0]
        # ...and not during the grace: its clock started after the accept began.
        sent_at = rooms.sent_at[rooms.notices.index((f"!dm-{ada.username}:localhost", told[0]))]
        assert sent_at - before_accept >= 0.3
        # Once only: a later notice to Ada (Cy's request) went out after it,
        # and the 'accepted' news is still alone.
        cy = await sign_up(offline_client, "cy", "Cy", ["chess"])
        await cy.call("POST", "/requests", 201, json={"to": ada.username})
        await eventually(lambda: asyncio.sleep(0, _told(rooms, ada, "would like to connect")), timeout=5)
        assert len(_told(rooms, ada, "accepted")) == 1


async def test_an_acceptance_whose_room_is_ready_is_told_at_once(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    # A grace far beyond the test: the news must not wait for it once the room is there.
    notifier = Notifier(ctx, rooms, FakeDirect(), accept_grace=60)  # type: ignore[arg-type]
    ada, _, match_id = await _pair_with_accepted_request(offline_client)
    await _room_made(ctx, match_id)
    async with _running(notifier):
        told = await eventually(lambda: asyncio.sleep(0, _told(rooms, ada, "accepted your request")), timeout=5)
        assert "Your room is ready" in told[0]


async def test_ready_notices_wait_for_the_rooms_being_made_and_nothing_else_does(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    rooms_idle = asyncio.Event()  # rooms are being made
    notifier = Notifier(ctx, rooms, FakeDirect(), rooms_idle=rooms_idle, ready_hold=60)  # type: ignore[arg-type]
    ada, bo, match_id = await _pair_with_accepted_request(offline_client)
    await _room_made(ctx, match_id)
    async with _running(notifier):
        cy = await sign_up(offline_client, "cy", "Cy", ["chess"])
        await cy.call("POST", "/requests", 201, json={"to": bo.username})
        # The request's notice goes at once, not behind the held ones...
        # (the ready jobs were written first, so had they not been held they
        # would have gone before it: its arrival is the signal to look).
        await eventually(lambda: asyncio.sleep(0, _told(rooms, bo, "would like to connect")), timeout=5)
        assert _told(rooms, ada, "is ready") == [] and _told(rooms, bo, "is ready") == []
        # ...and the ready notices as soon as the rooms are made.
        rooms_idle.set()
        await eventually(
            lambda: asyncio.sleep(0, _told(rooms, ada, "is ready") and _told(rooms, bo, "is ready")), timeout=5
        )


async def test_a_ready_notice_is_held_for_a_bounded_time_only(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    rooms_idle = asyncio.Event()  # rooms that never stop coming
    notifier = Notifier(ctx, rooms, FakeDirect(), rooms_idle=rooms_idle, ready_hold=0.3)  # type: ignore[arg-type]
    _, bo, match_id = await _pair_with_accepted_request(offline_client)
    await _room_made(ctx, match_id)
    async with _running(notifier):
        await eventually(lambda: asyncio.sleep(0, _told(rooms, bo, "is ready")), timeout=5)
        assert not rooms_idle.is_set()


async def test_a_held_ready_notice_keeps_the_accepted_news_from_going_alone(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    rooms_idle = asyncio.Event()
    notifier = Notifier(ctx, rooms, FakeDirect(), accept_grace=0.2, rooms_idle=rooms_idle, ready_hold=60)  # type: ignore[arg-type]
    async with _running(notifier):
        _, _, match_id = await _pair_with_accepted_request(offline_client)
        await asyncio.sleep(0.05)  # the accepted news is now waiting for the room
        await _room_made(ctx, match_id)
        # Past the accept grace, with the ready notice still held: no lone
        # 'accepted' news. Nothing observable marks the grace timer firing,
        # so this one waits for time itself (well past the 0.2 s grace).
        await asyncio.sleep(0.5)
        assert not [body for _, body in rooms.notices if "accepted" in body]


async def test_the_lone_accepted_news_waits_for_the_rooms_being_made(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    rooms_idle = asyncio.Event()  # rooms are being made (not this one: it stays late)
    notifier = Notifier(ctx, rooms, FakeDirect(), accept_grace=0.2, rooms_idle=rooms_idle, ready_hold=60)  # type: ignore[arg-type]
    async with _running(notifier):
        ada, _, _ = await _pair_with_accepted_request(offline_client)
        # Well past the grace: the news would have gone alone by now, were
        # the homeserver not busy with rooms (nothing marks the grace firing).
        await asyncio.sleep(0.5)
        assert _told(rooms, ada, "accepted") == []
        rooms_made = asyncio.get_running_loop().time()
        rooms_idle.set()
        told = await eventually(lambda: asyncio.sleep(0, _told(rooms, ada, "accepted")), timeout=5)
        assert len(told) == 1 and "will tell you here when it is ready" in told[0]
        assert rooms.sent_at[-1] >= rooms_made


async def test_news_held_past_the_hold_goes_one_at_a_time_while_rooms_are_made(offline_client) -> None:
    ctx = offline_client.app[keys.KINDRED]
    rooms = FakeRooms()
    rooms_idle = asyncio.Event()  # rooms that never stop coming
    notifier = Notifier(ctx, rooms, FakeDirect(), rooms_idle=rooms_idle, ready_hold=0.1, busy_pace=0.2)  # type: ignore[arg-type]
    ada, bo, match_id = await _pair_with_accepted_request(offline_client)
    await _room_made(ctx, match_id)
    async with _running(notifier):
        # Both are told (the hold is bounded), but not at once: a burst of
        # held news must not fall on the homeserver together.
        await eventually(lambda: asyncio.sleep(0, _told(rooms, ada, "is ready") and _told(rooms, bo, "is ready")))
        first, second = sorted(rooms.sent_at)
        assert second - first >= 0.2
        assert not rooms_idle.is_set()


async def test_notices_are_durable_jobs_done_once(offline_client) -> None:
    """Written with the change, sent by whichever notifier runs (after a
    restart, say), and marked done so no later run sends them again."""
    ctx = offline_client.app[keys.KINDRED]
    ada, bo, match_id = await _pair_with_accepted_request(offline_client)
    await _room_made(ctx, match_id)
    # Nothing ran when the events were published: the jobs wait in the store.
    first = FakeRooms()
    async with _running(Notifier(ctx, first, FakeDirect())):  # type: ignore[arg-type]
        await eventually(
            lambda: asyncio.sleep(0, len(_told(first, ada, "is ready") + _told(first, bo, "is ready")) == 2), timeout=5
        )
        # The request was answered before its notice went: it is not sent stale.
        assert _told(first, bo, "would like to connect") == []
    second = FakeRooms()
    async with _running(Notifier(ctx, second, FakeDirect(), idle_poll=0.05)):  # type: ignore[arg-type]
        # A new job, written after the old ones: once it is sent, the second
        # notifier has been through the queue.
        cy = await sign_up(offline_client, "cy", "Cy", ["chess"])
        await cy.call("POST", "/requests", 201, json={"to": ada.username})
        await eventually(lambda: asyncio.sleep(0, _told(second, ada, "would like to connect")), timeout=5)
    assert second.notices == [(f"!dm-{ada.username}:localhost", _told(second, ada, "would like to connect")[0])]
