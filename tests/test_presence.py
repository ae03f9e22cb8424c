"""Presence: a Matrix client that syncs shows as online on Kindred's side, and
someone who hides their presence shows nothing."""

from __future__ import annotations

from nio import RoomCreateResponse

from domain import circle_presence
from domain.circle_presence import Seen, Update
from store import users
from tests.bot_helpers import BOT, matrix_login
from tests.conftest import AppFactory
from tests.helpers import assert_status, csrf_token, eventually, page_login, sign_up
from web import keys


async def test_a_syncing_client_shows_as_online(kindred: AppFactory) -> None:
    client = await kindred()
    ctx = client.app[keys.KINDRED]
    ada = await sign_up(client, "ada", "Ada")
    async with ctx.db.read() as conn:
        person = await users.get_by_username(conn, ada.username)
    assert person is not None
    mx = await matrix_login(client.app[keys.SETTINGS].homeserver_url, ada)
    try:
        # The homeserver tells the bot of the presence of people it shares a room with.
        created = await mx.room_create(invite=[BOT], is_direct=True)
        assert isinstance(created, RoomCreateResponse), created

        async def online() -> bool:
            await mx.sync(timeout=0, set_presence="online")
            found = (await circle_presence.seen(ctx, [person])).get(ada.username)
            return found is not None and found.online

        assert await eventually(online, timeout=60, interval=0.5)
        assert await circle_presence.online_count(ctx, [person.id]) == 1

        # Hidden in Profile (here through the API): pages show nothing of it.
        assert await ada.call("GET", "/me/presence", 200) == {"hidden": False}
        assert await ada.call("PUT", "/me/presence", 200, json={"hidden": True}) == {"hidden": True}
        await ada.call("PUT", "/me/presence", 400, json={"hidden": "yes"})
        assert await ada.call("GET", "/me/presence", 200) == {"hidden": True}
        assert await circle_presence.seen(ctx, [person]) == {}
        assert await circle_presence.online_count(ctx, [person.id]) == 0

        # Shown again from the Profile page's box.
        await page_login(client, ada)
        profile = await assert_status(await client.get("/profile"), 200)
        assert 'name="hidden" aria-describedby="h-presence" checked' in profile
        shown = await client.post("/profile/presence", data={"csrf_token": csrf_token(client)})
        assert "Your presence shows again." in await assert_status(shown, 200)
        assert (await circle_presence.seen(ctx, [person]))[ada.username].online
        # Someone offline shows when they were last active ("active 5
        # minutes ago"); Bo never opens a client, so only this update counts.
        bo = await sign_up(client, "bo", "Bo")
        async with ctx.db.read() as conn:
            other = await users.get_by_username(conn, bo.username)
        assert other is not None and other.matrix_user_id is not None
        assert await circle_presence.record(ctx, [Update(other.matrix_user_id, "offline", 300_000)]) == 1
        assert await circle_presence.seen(ctx, [other]) == {bo.username: Seen(online=False, minutes=5)}
        assert await circle_presence.online_count(ctx, [other.id]) == 0
    finally:
        await mx.close()
