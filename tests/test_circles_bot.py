"""Circles on the real homeserver: the Space and its rooms, and the bot's commands there."""

from __future__ import annotations

import uuid
from pathlib import Path

from nio import AsyncClient, JoinResponse, LoginResponse, RoomSendResponse

from bridge import circle_specs
from bridge.circle_rooms import CircleRooms
from testkit.homeserver import ThrowawayHomeserver
from tests.conftest import AppFactory
from tests.helpers import eventually
from tests.room_audit import app_instance_id, bot_client
from web import keys


async def _login(homeserver: ThrowawayHomeserver, name: str) -> AsyncClient:
    await homeserver.register(name, "pw-" + name, name.title())
    mx = AsyncClient(homeserver.url, name)
    assert isinstance(await mx.login("pw-" + name, device_name="test"), LoginResponse)
    return mx


async def test_space_and_circle_rooms(homeserver: ThrowawayHomeserver, kindred: AppFactory) -> None:
    """One Space and one circle (each made once however often asked), a join
    through the admin API, roles as power levels, a kick, a ban, closing."""
    tag = uuid.uuid4().hex[:8]
    client = await kindred()
    data_dir = client.app[keys.SETTINGS].data_dir
    await eventually(lambda: _exists(data_dir / "bot-session.json"))
    ada = await _login(homeserver, f"ada{tag}")
    bo = await _login(homeserver, f"bo{tag}")
    bot = bot_client(data_dir, homeserver.url)
    rooms = CircleRooms(bot, await app_instance_id(client))
    try:
        space = await rooms.ensure_space()
        assert await rooms.ensure_space() == space
        room = await rooms.create_circle(space, 7, "Esperanto", "La lingvo")
        assert await rooms.create_circle(space, 7, "Esperanto", "La lingvo") == room

        create = await bot.request_json("GET", f"/_matrix/client/v3/rooms/{space}/state/m.room.create/")
        assert create["type"] == "m.space"
        child = await bot.request_json("GET", f"/_matrix/client/v3/rooms/{space}/state/m.space.child/{room}")
        assert child == {"via": ["localhost"]}
        rules = await bot.request_json("GET", f"/_matrix/client/v3/rooms/{room}/state/m.room.join_rules/")
        assert rules == circle_specs.restricted_to(space)

        await rooms.join_local(space, room, ada.user_id)
        await rooms.join_local(space, room, ada.user_id)
        assert (await rooms.members(room))[ada.user_id] == "join"
        # Bo is in neither: a restricted join needs the Space first.
        assert not isinstance(await bo.join(room), JoinResponse)
        await rooms.join_local(space, room, bo.user_id)
        await rooms.leave(room, bo.user_id)
        assert await rooms.membership(room, bo.user_id) == "leave"
        # In the Space, Bo may now come back from Element's room list directly.
        assert isinstance(await bo.join(room), JoinResponse)

        await rooms.set_roles(room, {ada.user_id: circle_specs.MODERATOR_LEVEL})
        levels = await bot.request_json("GET", f"/_matrix/client/v3/rooms/{room}/state/m.room.power_levels/")
        assert levels["users"] == {bot.user_id: 100, ada.user_id: 50}
        await rooms.set_profile(room, "Esperanto!", "Saluton")
        name = await bot.request_json("GET", f"/_matrix/client/v3/rooms/{room}/state/m.room.name/")
        assert name == {"name": "Esperanto!"}

        await rooms.kick(room, bo.user_id, "spam")
        await rooms.kick(room, bo.user_id, "spam")
        await rooms.ban(room, bo.user_id, "spam")
        assert await rooms.membership(room, bo.user_id) == "ban"
        await rooms.unban(room, bo.user_id)
        assert await rooms.membership(room, bo.user_id) == "leave"

        await rooms.archive(room)
        sent = await ada.room_send(room, "m.room.message", {"msgtype": "m.text", "body": "still here?"})
        assert not isinstance(sent, RoomSendResponse)
        child = await bot.request_json("GET", f"/_matrix/client/v3/rooms/{space}/state/m.space.child/{room}")
        assert child == {}
    finally:
        await bot.close()
        for mx in (ada, bo):
            await mx.close()


async def _exists(path: Path) -> bool:
    return path.exists()
