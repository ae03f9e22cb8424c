"""Circles on the real homeserver: the Space and its rooms, and the bot's commands there."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from nio import (
    AsyncClient,
    JoinResponse,
    LoginResponse,
    RoomCreateResponse,
    RoomGetStateEventResponse,
    RoomSendResponse,
)

from bridge import circle_specs
from bridge.circle_rooms import CircleRooms
from domain import circles
from domain.context import Kindred
from domain.errors import KindredError
from store import circles as store_circles
from store import users
from testkit.homeserver import ThrowawayHomeserver
from tests.bot_helpers import BOT, MatrixPerson
from tests.conftest import AppFactory
from tests.helpers import eventually, sign_up
from tests.room_audit import app_instance_id, bot_client
from web import keys


async def _login(homeserver: ThrowawayHomeserver, name: str) -> AsyncClient:
    await homeserver.register(name, "pw-" + name, name.title())
    mx = AsyncClient(homeserver.url, name)
    assert isinstance(await mx.login("pw-" + name, device_name="test"), LoginResponse)
    return mx


@pytest.mark.store_agnostic
async def test_space_and_circle_rooms(homeserver: ThrowawayHomeserver, kindred: AppFactory) -> None:
    """One Space and one circle (each made once however often asked), a join
    through the admin API, roles as power levels, a kick, a ban, closing."""
    tag = uuid.uuid4().hex[:8]
    # The homeserver asks this Kindred about joins (circle rooms keep its rules).
    client = await kindred(consent=True)
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


async def test_circle_commands_in_the_direct_room_and_the_circle_room(
    homeserver: ThrowawayHomeserver, kindred: AppFactory
) -> None:
    """!circles and !join from a direct room; inside the circle !help, !about,
    !members, !leave, and the moderators' !mod, !kick, !ban, !unban, each
    reflected in the room's membership and power levels."""
    # The homeserver asks this Kindred about joins (circle rooms keep its rules).
    client = await kindred(consent=True)
    ctx = client.app[keys.KINDRED]
    ada = await sign_up(client, "ada", "Ada", ["esperanto"])
    bo = await sign_up(client, "bo", "Bo", ["esperanto"])
    async with ctx.db.read() as conn:
        owner = await users.get_by_username(conn, ada.username)
        member = await users.get_by_username(conn, bo.username)
    assert owner is not None and member is not None
    made = await circles.create_circle(ctx, owner, "Esperanto speakers", "esperanto", "Saluton!")
    slug = made.circle.slug
    ada_mx = await MatrixPerson.login(client, homeserver.url, ada)
    bo_mx = await MatrixPerson.login(client, homeserver.url, bo)
    try:
        created = await bo_mx.mx.room_create(invite=[BOT], is_direct=True)
        assert isinstance(created, RoomCreateResponse), created
        dm = created.room_id
        await bo_mx.wait_for_bot(dm, "!circles")
        await bo_mx.command(dm, "!circles esperanto", "Esperanto speakers", f"!join {slug}")
        await bo_mx.command(dm, f"!join {slug}", "You're in Esperanto speakers")
        room = str(await eventually(lambda: _room_of(ctx, slug)))
        await eventually(lambda: _member_is(bo_mx, room, "join"))
        await eventually(lambda: _member_is(ada_mx, room, "join"))

        await ada_mx.command(room, "!help", "!kick <user> [reason]", "!members")
        await ada_mx.command(room, "!about", "Esperanto speakers", "Saluton!", "Ada (@")
        await ada_mx.command(room, "!members", "Bo (@")
        # Only owners and moderators moderate; Bo's refusal is the web's.
        await bo_mx.command(room, f"!kick {ada.username}", "moderator")
        # A report is answered privately, in Bo's direct room.
        before = len(await bo_mx.bot_notices(dm))
        await bo_mx.say(room, f"!report {ada_mx.user_id} rude to newcomers")
        await bo_mx.wait_for_bot(dm, "Your report", after=before)

        await bo_mx.command(room, "!leave", "You left Esperanto speakers")
        await eventually(lambda: _member_is(bo_mx, room, "leave"))
        await bo_mx.command(dm, f"!join {slug}", "You're in")
        await eventually(lambda: _member_is(bo_mx, room, "join"))

        await ada_mx.command(room, f"!mod @{bo.username}", "moderator")
        await eventually(lambda: _level_is(ada_mx, room, bo_mx.user_id, circle_specs.MODERATOR_LEVEL))
        await ada_mx.command(room, f"!unmod {bo.username}", "member")
        await eventually(lambda: _level_is(ada_mx, room, bo_mx.user_id, None))
        await ada_mx.command(room, f"!kick {bo_mx.user_id} off topic", "removed")
        await eventually(lambda: _member_is(ada_mx, room, "leave", bo_mx))
        await ada_mx.command(room, f"!ban {bo.username} spam", "banned")
        await eventually(lambda: _member_is(ada_mx, room, "ban", bo_mx))
        with pytest.raises(KindredError) as refused:
            await circles.join(ctx, member, slug)
        assert refused.value.code == "circle_banned"
        await ada_mx.command(room, f"!unban {bo.username}", "may join the circle again")
        await eventually(lambda: _member_is(ada_mx, room, "leave", bo_mx))
    finally:
        await ada_mx.close()
        await bo_mx.close()


async def _room_of(ctx: Kindred, slug: str) -> str | None:
    async with ctx.db.read() as conn:
        found = await store_circles.by_slug(conn, slug)
    return found.room_id if found is not None else None


async def _member_is(viewer: MatrixPerson, room_id: str, membership: str, person: MatrixPerson | None = None) -> bool:
    """``person``'s (else the viewer's own) membership, as the viewer sees the room."""
    user_id = (person or viewer).user_id
    state = await viewer.mx.room_get_state_event(room_id, "m.room.member", user_id)
    return isinstance(state, RoomGetStateEventResponse) and state.content.get("membership") == membership


async def _level_is(person: MatrixPerson, room_id: str, user_id: str, level: int | None) -> bool:
    state = await person.mx.room_get_state_event(room_id, "m.room.power_levels", "")
    return isinstance(state, RoomGetStateEventResponse) and state.content.get("users", {}).get(user_id) == level
