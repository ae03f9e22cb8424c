"""Circles on the real homeserver, with real Matrix clients.

One Kindred app (serving the homeserver's consent questions) and three
people are shared by the tests: they meet in a circle inside Kindred's Space
and read each other; a ban and a kick made in Element's way (the client API)
show in Kindred; the member cap holds under 30 parallel joins; and a circle
started and joined while the homeserver does not answer is completed when
it answers again.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from dataclasses import dataclass
from typing import Any, AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from nio import (
    AsyncClient,
    JoinedRoomsResponse,
    JoinResponse,
    RoomBanResponse,
    RoomGetStateEventResponse,
    RoomKickResponse,
    RoomSendResponse,
)

from config.secrets import load_or_create_secrets
from testkit.homeserver import ThrowawayHomeserver
from tests.bot_helpers import matrix_login
from tests.conftest import make_settings
from tests.helpers import Api, eventually, sign_up
from tests.test_end_to_end import room_texts
from web.app import create_app

INTEREST = "esperanto"


@dataclass
class World:
    client: TestClient
    homeserver: ThrowawayHomeserver
    ada: Api
    bo: Api
    cy: Api
    mx: dict[str, AsyncClient]
    slug: str
    room_id: str


@pytest.fixture(scope="module")
async def world(homeserver: ThrowawayHomeserver, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """Ada starts a circle through the API, Bo and Cy join it; all three are in its room."""
    data_dir = tmp_path_factory.mktemp("circles")
    shutil.copy(homeserver.root / "secrets.json", data_dir / "secrets.json")
    app = create_app(make_settings(data_dir, homeserver.url), load_or_create_secrets(data_dir))
    # On the consent port: the homeserver asks this app about joins into circle rooms.
    client = TestClient(TestServer(app, port=homeserver.consent_port))
    await client.start_server()
    mx: dict[str, AsyncClient] = {}
    try:
        ada, bo, cy = [await sign_up(client, name, name.title(), [INTEREST, "tea"]) for name in ("ada", "bo", "cy")]
        made = await ada.call(
            "POST",
            "/circles",
            201,
            json={"name": "Esperanto Speakers", "interest": "Esperanto", "description": "Saluton!"},
        )
        slug = made["circle"]["slug"]
        assert (made["circle"]["my_role"], made["circle"]["owner"]) == ("owner", ada.username)
        for person in (bo, cy):
            joined = (await person.call("POST", f"/circles/{slug}/join", 202))["circle"]
            assert (joined["my_role"], joined["my_state"]) == ("member", "joining")
        for person in (ada, bo, cy):
            await eventually(lambda person=person: _state_is(person, slug, "joined"), timeout=60)
        room_id = (await ada.call("GET", f"/circles/{slug}", 200))["circle"]["room_id"]
        for person in (ada, bo, cy):
            mx[person.username] = await matrix_login(homeserver.url, person)
        yield World(client, homeserver, ada, bo, cy, mx, slug, room_id)
    finally:
        for mxc in mx.values():
            await mxc.close()
        await client.close()


async def _state_is(person: Api, slug: str, state: str | None) -> bool:
    return bool((await person.call("GET", f"/circles/{slug}", 200))["circle"]["my_state"] == state)


async def _in_room(mxc: AsyncClient, room_id: str) -> bool:
    rooms = await mxc.joined_rooms()
    assert isinstance(rooms, JoinedRoomsResponse), rooms
    return room_id in rooms.rooms


async def _state(mxc: AsyncClient, room_id: str, kind: str, key: str = "") -> dict[str, Any]:
    answer = await mxc.room_get_state_event(room_id, kind, key)
    return answer.content if isinstance(answer, RoomGetStateEventResponse) else {}


async def test_three_people_meet_in_a_circle_inside_the_space_and_read_each_other(world: World) -> None:
    detail = await world.ada.call("GET", f"/circles/{world.slug}", 200)
    assert detail["circle"]["member_count"] == 3
    assert [(m["username"], m["role"]) for m in detail["staff"]] == [(world.ada.username, "owner")]
    listed = (await world.cy.call("GET", f"/circles?interest={INTEREST}", 200))["circles"]
    assert world.slug in [c["slug"] for c in listed]

    # In Element the circle sits in Kindred's Space: the room names its parent,
    # the Space lists the room, and all three are in both.
    parents = await world.mx[world.ada.username].room_get_state(world.room_id)
    space_ids = [e["state_key"] for e in getattr(parents, "events", []) if e["type"] == "m.space.parent"]
    assert len(space_ids) == 1
    space_id = space_ids[0]
    for mxc in world.mx.values():
        assert await _in_room(mxc, world.room_id)
        # The Space is joined just after the room.
        await eventually(lambda mxc=mxc: _in_room(mxc, space_id), timeout=15)
        assert "via" in await _state(mxc, space_id, "m.space.child", world.room_id)
    assert (await _state(world.mx[world.bo.username], world.room_id, "m.room.create")).get("room_version") == "10"

    for name, mxc in world.mx.items():
        sent = await mxc.room_send(world.room_id, "m.room.message", {"msgtype": "m.text", "body": f"Saluton de {name}"})
        assert isinstance(sent, RoomSendResponse), sent
    everyone = {f"Saluton de {name}" for name in world.mx}
    for mxc in world.mx.values():

        async def read_all(mxc: AsyncClient = mxc) -> bool:
            return everyone <= {body for _, body in await room_texts(mxc, world.room_id)}

        await eventually(read_all, timeout=30)


async def test_a_kick_and_a_ban_in_element_show_in_kindred_and_a_banned_person_cannot_rejoin(world: World) -> None:
    ada = world.mx[world.ada.username]
    bo_id, cy_id = world.mx[world.bo.username].user_id, world.mx[world.cy.username].user_id

    # Ada's role is her power level in the room (75: owners; kick and ban take 50).
    async def ada_is_owner() -> bool:
        levels = await _state(ada, world.room_id, "m.room.power_levels")
        return bool((levels.get("users") or {}).get(ada.user_id) == 75)

    await eventually(ada_is_owner, timeout=30)

    banned = await ada.room_ban(world.room_id, cy_id, "spam")
    assert isinstance(banned, RoomBanResponse), banned
    await eventually(lambda: _state_is(world.cy, world.slug, "banned"), timeout=15)
    refused = await world.cy.call("POST", f"/circles/{world.slug}/join", 403)
    assert refused["error"]["code"] == "circle_banned"
    members = (await world.ada.call("GET", f"/circles/{world.slug}/members", 200))["members"]
    assert world.cy.username not in [m["username"] for m in members]

    kicked = await ada.room_kick(world.room_id, bo_id, "cool off")
    assert isinstance(kicked, RoomKickResponse), kicked
    await eventually(lambda: _state_is(world.bo, world.slug, None), timeout=15)
    # A kick is not a ban: Bo may come back from the web, and is in the room again.
    await world.bo.call("POST", f"/circles/{world.slug}/join", 202)
    await eventually(lambda: _in_room(world.mx[world.bo.username], world.room_id), timeout=30)
    await eventually(lambda: _state_is(world.bo, world.slug, "joined"), timeout=15)

    # Lifted on the web, the ban is lifted in the room too, and Cy joins again
    # from Element's room list of the Space (a restricted join, which the
    # homeserver asks Kindred about): Kindred shows her in.
    await world.ada.call("POST", f"/circles/{world.slug}/members/{world.cy.username}/unban", 200)
    await eventually(lambda: _membership_is(ada, world.room_id, cy_id, "leave"), timeout=30)
    rejoined = await world.mx[world.cy.username].join(world.room_id)
    assert isinstance(rejoined, JoinResponse), rejoined
    await eventually(lambda: _state_is(world.cy, world.slug, "joined"), timeout=30)


async def _membership_is(mxc: AsyncClient, room_id: str, user_id: str, membership: str) -> bool:
    return bool((await _state(mxc, room_id, "m.room.member", user_id)).get("membership") == membership)


# The cap's SQL under 30 parallel joins runs on both stores in
# tests/test_circles_rules.py; here it is the homeserver's side, once.
@pytest.mark.store_agnostic
async def test_the_member_cap_holds_under_thirty_parallel_joins(world: World) -> None:
    made = await world.ada.call(
        "POST", "/circles", 201, json={"name": "Esperanto Tables", "interest": INTEREST, "member_cap": 10}
    )
    slug = made["circle"]["slug"]
    crowd = await asyncio.gather(*(sign_up(world.client, "crowd") for _ in range(30)))
    answers = await asyncio.gather(
        *(world.client.post(f"/api/v1/circles/{slug}/join", headers=person.headers) for person in crowd)
    )
    statuses = sorted(answer.status for answer in answers)
    # The owner holds one of the ten places.
    assert statuses.count(202) + statuses.count(200) == 9 and statuses.count(409) == 21, statuses
    codes = {(await a.json())["error"]["code"] for a in answers if a.status == 409}
    assert codes == {"circle_full"}
    detail = await world.ada.call("GET", f"/circles/{slug}", 200)
    assert detail["circle"]["member_count"] == 10

    async def ten_in_the_room() -> bool:
        room_id = (await world.ada.call("GET", f"/circles/{slug}", 200))["circle"]["room_id"]
        if room_id is None:
            return False
        answer = await world.mx[world.ada.username].joined_members(room_id)
        # The ten, and the bot.
        return len(getattr(answer, "members", [])) == 11

    await eventually(ten_in_the_room, timeout=90, interval=0.5)


async def test_a_circle_started_and_joined_while_the_homeserver_is_down_completes_when_it_returns(
    world: World,
) -> None:
    os.kill(world.homeserver.pid, signal.SIGSTOP)
    try:
        # Kindred answers at once: the work is queued, and shows as joining.
        made = await world.bo.call("POST", "/circles", 201, json={"name": "Esperanto Poetry", "interest": INTEREST})
        slug = made["circle"]["slug"]
        assert (made["circle"]["room_id"], made["circle"]["my_state"]) == (None, "joining")
        joined = await world.ada.call("POST", f"/circles/{slug}/join", 202)
        assert joined["circle"]["my_state"] == "joining"
    finally:
        os.kill(world.homeserver.pid, signal.SIGCONT)
    for person in (world.bo, world.ada):
        await eventually(lambda person=person: _state_is(person, slug, "joined"), timeout=120, interval=0.5)
    room_id = (await world.ada.call("GET", f"/circles/{slug}", 200))["circle"]["room_id"]
    assert room_id is not None
    for person in (world.bo, world.ada):
        await eventually(lambda person=person: _in_room(world.mx[person.username], room_id), timeout=30)
