"""A round on the real homeserver: four people opt in, ``kindred rounds run``
(another process, as an operator would) writes two introductions, and the
running Kindred's bot opens their rooms, where people talk as ordinary Matrix
clients."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from nio import JoinResponse, RoomSendResponse

from testkit.homeserver import ThrowawayHomeserver
from tests.bot_helpers import matrix_login
from tests.conftest import AppFactory
from tests.databases import database_env
from tests.helpers import Api, eventually, kindred_command, sign_up
from tests.test_end_to_end import room_texts, wait_for_invite
from web import keys


async def test_a_round_of_four_makes_two_rooms_people_talk_in(
    kindred: AppFactory, homeserver: ThrowawayHomeserver
) -> None:
    client = await kindred()
    ada = await sign_up(client, "ada", "Ada", ["sailing", "knots"])
    bo = await sign_up(client, "bo", "Bo", ["sailing", "knots", "tea"])
    cy = await sign_up(client, "cy", "Cy", ["bouldering", "maps"])
    di = await sign_up(client, "di", "Di", ["bouldering", "maps", "tea"])
    for person in (ada, bo, cy, di):
        await person.call("PUT", "/me/rounds", 200, json={"enabled": True, "timezone": "Europe/London"})

    preview = await _kindred(client, "preview")
    assert "4 due; 2 introductions" in preview and f"{ada.username} & {bo.username}" in preview
    ran = await _kindred(client, "run")
    assert "4 due, 2 introductions (0 of three), 0 left unpaired" in ran

    async def ready(person: Api) -> dict[str, Any] | None:
        found = (await person.call("GET", "/matches", 200))["matches"]
        return found[0] if found and found[0]["status"] == "ready" else None

    for person, partner in ((ada, bo), (cy, di)):
        match = await eventually(lambda person=person: ready(person), timeout=60)
        assert match["user"]["username"] == partner.username
        current = (await person.call("GET", "/rounds/current", 200))["round"]
        assert (current["match_id"], current["room_url"]) == (match["id"], match["room_url"])
        mx = await matrix_login(homeserver.url, person)
        try:
            await wait_for_invite(mx, match["room_id"])
            assert isinstance(await mx.join(match["room_id"]), JoinResponse)
            hello = f"Hello from {person.username}"
            sent = await mx.room_send(match["room_id"], "m.room.message", {"msgtype": "m.text", "body": hello})
            assert isinstance(sent, RoomSendResponse), sent
            texts = await room_texts(mx, match["room_id"])
            assert (mx.user_id, hello) in texts
            intro = [body for sender, body in texts if "kindred-bot" in sender]
            assert intro and "this week's round introduces you" in intro[0] and "To start:" in intro[0]
        finally:
            await mx.close()


async def _kindred(client: TestClient, action: str) -> str:
    settings = client.app[keys.SETTINGS]
    data_dir = settings.data_dir
    code, out, err = await kindred_command(
        "rounds",
        action,
        **database_env(data_dir),
        KINDRED_RUN_HOMESERVER="false",
        KINDRED_HOMESERVER_URL=settings.homeserver_url,
    )
    assert code == 0, err
    return out
