"""Rooms a failed creation leaves behind, rooms of matches closed mid-way, and
rooms that only pretend to be match rooms: all on the real homeserver."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

import pytest
from nio import (
    AsyncClient,
    LoginResponse,
    RoomCreateResponse,
    RoomGetStateEventResponse,
    RoomPutStateResponse,
)

from bridge.errors import BridgeError
from bridge.matrix_client import MATCH_STATE_TYPE, MatrixClient
from tests.bot_helpers import BOT
from tests.helpers import Api, all_ready, eventually, pairs, sign_up
from tests.room_audit import app_instance_id, bot_client, intro_count, members, room_exists, rooms_by_match
from web import keys


async def _make_room(bot: MatrixClient, mark: dict[str, Any], whole: bool, invite: list[str]) -> str:
    """A room as createRoom leaves it: marked from its first event, and with
    the marker state only if creation got that far."""
    body: dict[str, Any] = {
        "preset": "private_chat",
        "creation_content": {MATCH_STATE_TYPE: mark},
        "invite": invite,
        "initial_state": [{"type": MATCH_STATE_TYPE, "state_key": "", "content": mark}] if whole else [],
    }
    return str((await bot.request_json("POST", "/_matrix/client/v3/createRoom", body))["room_id"])


def _mxid(person: Api) -> str:
    return str(person.user["matrix_user_id"])


async def test_at_start_debris_is_purged_and_a_whole_unrecorded_room_adopted(
    kindred, homeserver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="matcher.room_sweep")
    first = await kindred()
    data_dir = first.app[keys.SETTINGS].data_dir
    instance_id = await app_instance_id(first)
    made = await pairs(first, 2)
    await first.close()

    # The bot is off: both matches wait for their rooms, as after a crash.
    second = await kindred(data_dir=data_dir, run_bot=False)
    match_ids = []
    for a, b, request_id in made:
        b.client = a.client = second
        match_ids.append((await b.call("POST", f"/requests/{request_id}/accept", 200))["match"]["id"])
    async with second.app[keys.KINDRED].db.transaction() as conn:
        # The attempt that made these rooms had counted itself, as every attempt does.
        await conn.execute("UPDATE jobs SET attempts = 1")
    (a1, _, _), (a2, b2, _) = made
    bot = bot_client(data_dir, homeserver.url)
    try:
        half = await _make_room(bot, {"instance": instance_id, "match_id": match_ids[0]}, False, [])
        whole = await _make_room(bot, {"instance": instance_id, "match_id": match_ids[1]}, True, [_mxid(a2)])
        orphan = await _make_room(bot, {"instance": instance_id, "match_id": 999_999}, True, [_mxid(a1)])
        foreign = await _make_room(bot, {"instance": "another-kindred", "match_id": match_ids[0]}, True, [])
        await second.close()

        caplog.clear()
        third = await kindred(data_dir=data_dir)
        for a, b, _ in made:
            a.client = b.client = third
        ready = [(await eventually(lambda a=a: all_ready(a, 1), timeout=60))[0] for a, _, _ in made]
        await eventually(lambda: asyncio.sleep(0, any("room sweep:" in r.message for r in caplog.records)))

        # The half-made room and the one no match owns are gone from the homeserver.
        for debris in (half, orphan):
            await eventually(lambda debris=debris: _gone(bot, debris), timeout=30)
        # The whole one was adopted and finished: the missing invite sent, one introduction.
        assert ready[1]["room_id"] == whole
        membership = await members(bot, whole)
        assert membership[_mxid(a2)] == membership[_mxid(b2)] == "invite"
        assert await intro_count(bot, whole) == 1
        # The first match got a fresh room; another instance's room is left alone.
        rooms = await rooms_by_match(bot, instance_id)
        assert rooms == {match_ids[0]: [ready[0]["room_id"]], match_ids[1]: [whole]}
        assert (await members(bot, foreign))[bot.user_id] == "join"
    finally:
        await bot.request_json("POST", f"/_matrix/client/v3/rooms/{quote(foreign, safe='')}/leave", {})
        await bot.close()


async def _gone(bot: MatrixClient, room_id: str) -> bool:
    return not await room_exists(bot, room_id)


async def test_a_match_closed_while_its_room_is_made_leaves_nobody_in_it(
    kindred, homeserver, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await kindred()
    [(a, b, request_id)] = await pairs(client, 1)
    real = MatrixClient.create_match_room
    made: dict[str, str] = {}

    async def closed_meanwhile(self: MatrixClient, instance_id: str, match_id: int, *args: Any) -> str:
        room_id = await real(self, instance_id, match_id, *args)
        made["room_id"] = room_id
        # The room exists and is not yet recorded when the match closes.
        await a.call("POST", f"/matches/{match_id}/close", 200)
        return room_id

    monkeypatch.setattr(MatrixClient, "create_match_room", closed_meanwhile)
    accepted = await b.call("POST", f"/requests/{request_id}/accept", 200)
    room_id = (await eventually(lambda: asyncio.sleep(0, made)))["room_id"]

    bot = bot_client(client.app[keys.SETTINGS].data_dir, homeserver.url)
    try:

        async def emptied() -> dict[str, str] | None:
            # The bot may read the room as it was when it left: both removed before that.
            try:
                state = await bot.room_state(room_id)
            except BridgeError:
                return None
            membership = {e["state_key"]: e["content"]["membership"] for e in state if e["type"] == "m.room.member"}
            people = (membership.get(_mxid(a)), membership.get(_mxid(b)), membership.get(bot.user_id))
            return membership if people == ("leave", "leave", "leave") else None

        await eventually(emptied, timeout=30)
    finally:
        await bot.close()
    [match] = (await a.call("GET", "/matches", 200))["matches"]
    assert match["id"] == accepted["match"]["id"] and match["status"] == "closed"


async def test_a_room_someone_else_marked_is_never_taken_for_a_match_room(
    kindred, homeserver, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await kindred()
    [(a, b, request_id)] = await pairs(client, 1)
    mallory = await sign_up(client, "mallory")
    mx = AsyncClient(homeserver.url, mallory.username)
    assert isinstance(await mx.login(mallory.password), LoginResponse)
    try:
        # Mallory's direct chat with the bot: the bot joins it, she holds its power.
        created = await mx.room_create(is_direct=True, invite=[BOT])
        assert isinstance(created, RoomCreateResponse), created
        trap = created.room_id

        async def bot_joined() -> bool:
            member = await mx.room_get_state_event(trap, "m.room.member", BOT)
            return isinstance(member, RoomGetStateEventResponse) and member.content.get("membership") == "join"

        await eventually(bot_joined, timeout=30)

        # The first attempt fails before making a room; meanwhile Mallory marks hers.
        real = MatrixClient.create_match_room
        asked: asyncio.Queue[int] = asyncio.Queue()
        placed = asyncio.Event()

        async def fails_once(self: MatrixClient, instance_id: str, match_id: int, *args: Any) -> str:
            if not placed.is_set():
                asked.put_nowait(match_id)
                await placed.wait()
                raise BridgeError("K_UNREACHABLE", "the homeserver went away")
            return await real(self, instance_id, match_id, *args)

        monkeypatch.setattr(MatrixClient, "create_match_room", fails_once)
        await b.call("POST", f"/requests/{request_id}/accept", 200)
        match_id = await asked.get()
        mark = {"instance": await app_instance_id(client), "match_id": match_id}
        put = await mx.room_put_state(trap, MATCH_STATE_TYPE, mark)
        assert isinstance(put, RoomPutStateResponse), put
        placed.set()

        [match] = await eventually(lambda: all_ready(a, 1), timeout=30)
        assert match["room_id"] != trap
        invited = await mx.room_get_state_event(trap, "m.room.member", _mxid(a))
        assert not isinstance(invited, RoomGetStateEventResponse), invited
    finally:
        await mx.close()
