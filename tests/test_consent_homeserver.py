"""Consent holds on the homeserver: real Matrix clients on the session's
Synapse, which loads Kindred's consent module and asks the Kindred app
serving its consent port.

A stranger's invite is refused with 403 M_FORBIDDEN and a sentence; a block
stops invites both ways and joining the other's room; a matched pair and the
bot may invite; after unmatch the pair may not; ``matrix_policy: open`` lets
everything through; a Kindred that does not answer means refusal, while the
homeserver keeps serving everything else.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

import pytest
from nio import (
    AsyncClient,
    JoinError,
    JoinResponse,
    LoginResponse,
    RoomCreateError,
    RoomCreateResponse,
    RoomInviteError,
    RoomInviteResponse,
    RoomPreset,
    RoomSendResponse,
    WhoamiResponse,
)

from bridge.consent_module import UNAVAILABLE
from domain import consent
from tests.helpers import Api, eventually, sign_up, unique
from web import keys


class Clients:
    """Matrix clients logged in during one test, closed at its end."""

    def __init__(self, homeserver_url: str) -> None:
        self.url = homeserver_url
        self.open: list[AsyncClient] = []

    async def login(self, username: str, password: str) -> AsyncClient:
        mx = AsyncClient(self.url, username)
        response = await mx.login(password, device_name="consent test")
        assert isinstance(response, LoginResponse), response
        self.open.append(mx)
        return mx

    async def of(self, person: Api) -> AsyncClient:
        return await self.login(person.username, person.password)


@pytest.fixture
async def clients(homeserver: Any) -> AsyncIterator[Clients]:
    made = Clients(homeserver.url)
    yield made
    for mx in made.open:
        await mx.close()


async def own_room(mx: AsyncClient, public: bool = False) -> str:
    preset = RoomPreset.public_chat if public else RoomPreset.private_chat
    created = await mx.room_create(preset=preset)
    assert isinstance(created, RoomCreateResponse), created
    return str(created.room_id)


def assert_refused(response: Any, sentence: str) -> None:
    assert isinstance(response, (RoomInviteError, JoinError, RoomCreateError)), response
    assert response.status_code == "M_FORBIDDEN", response
    assert response.message == sentence, response


async def matched(client: Any, a: Api, b: Api) -> int:
    """Make ``a`` and ``b`` a match; its id."""
    sent = await a.call("POST", "/requests", 201, json={"to": b.username})
    accepted = await b.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    return int(accepted["match"]["id"])


async def test_a_strangers_invite_is_refused_with_a_sentence(kindred, clients) -> None:
    client = await kindred(consent=True)
    ada, bo = await sign_up(client, "ada"), await sign_up(client, "bo")
    ada_mx = await clients.of(ada)
    room = await own_room(ada_mx)

    # Two Kindred people without a match.
    assert_refused(await ada_mx.room_invite(room, bo.user["matrix_user_id"]), consent.NO_MATCH)
    # createRoom's invite list goes through the same check.
    created = await ada_mx.room_create(invite=[bo.user["matrix_user_id"]])
    assert_refused(created, consent.NO_MATCH)

    # An account on the homeserver that is nobody on Kindred, both ways.
    name = unique("outsider")
    outsider_id = await client.app[keys.ADMIN].register(name, "outsider password", "Outsider")
    outsider_mx = await clients.login(name, "outsider password")
    their_room = await own_room(outsider_mx)
    assert_refused(await outsider_mx.room_invite(their_room, ada.user["matrix_user_id"]), consent.STRANGER_INVITES)
    assert_refused(await ada_mx.room_invite(room, outsider_id), consent.STRANGER_INVITING)


async def test_a_block_stops_invites_both_ways_and_joining_the_blockers_room(kindred, clients) -> None:
    client = await kindred(consent=True)
    ada, bo = await sign_up(client, "ada"), await sign_up(client, "bo")
    await matched(client, ada, bo)
    ada_mx, bo_mx = await clients.of(ada), await clients.of(bo)
    # Public: anyone may join, so only the module can stop Ada.
    bo_room = await own_room(bo_mx, public=True)
    ada_room = await own_room(ada_mx)

    await bo.call("POST", f"/users/{ada.username}/block", 200)

    assert_refused(await ada_mx.room_invite(ada_room, bo.user["matrix_user_id"]), consent.BLOCKED)
    assert_refused(await bo_mx.room_invite(bo_room, ada.user["matrix_user_id"]), consent.BLOCKED)
    assert_refused(await ada_mx.join(bo_room), consent.BLOCKED)
    # Someone else joins Bo's public room: it is the block, not the room.
    cy_mx = await clients.of(await sign_up(client, "cy"))
    assert isinstance(await cy_mx.join(bo_room), JoinResponse)


async def test_a_matched_pair_may_invite_each_other_and_the_bot_may_invite(kindred, clients) -> None:
    client = await kindred(consent=True)
    ada, bo = await sign_up(client, "ada"), await sign_up(client, "bo")
    await matched(client, ada, bo)
    ada_mx, bo_mx = await clients.of(ada), await clients.of(bo)

    assert isinstance(await ada_mx.room_invite(await own_room(ada_mx), bo.user["matrix_user_id"]), RoomInviteResponse)
    assert isinstance(await bo_mx.room_invite(await own_room(bo_mx), ada.user["matrix_user_id"]), RoomInviteResponse)

    # The bot made the match room and invited both.
    async def room_id() -> str | None:
        found = (await ada.call("GET", "/matches", 200))["matches"]
        return found[0]["room_id"] if found and found[0]["status"] == "ready" else None

    match_room = await eventually(room_id)
    assert isinstance(await ada_mx.join(match_room), JoinResponse)


async def test_after_unmatch_re_inviting_is_refused(kindred, clients) -> None:
    client = await kindred(consent=True)
    ada, bo = await sign_up(client, "ada"), await sign_up(client, "bo")
    match_id = await matched(client, ada, bo)
    ada_mx = await clients.of(ada)
    ada_room = await own_room(ada_mx)

    async def ready_room() -> str | None:
        found = (await ada.call("GET", f"/matches/{match_id}", 200))["match"]
        return found["room_id"] if found["status"] == "ready" else None

    match_room = await eventually(ready_room)
    assert isinstance(await ada_mx.join(match_room), JoinResponse)

    await ada.call("POST", f"/matches/{match_id}/close", 200)

    assert_refused(await ada_mx.room_invite(ada_room, bo.user["matrix_user_id"]), consent.NO_MATCH)
    assert_refused(await ada_mx.room_invite(match_room, bo.user["matrix_user_id"]), consent.NO_MATCH)


async def test_with_matrix_policy_open_a_strangers_invite_goes_through(kindred, clients) -> None:
    client = await kindred(consent=True, matrix_policy="open")
    ada, bo = await sign_up(client, "ada"), await sign_up(client, "bo")
    ada_mx = await clients.of(ada)
    invited = await ada_mx.room_invite(await own_room(ada_mx), bo.user["matrix_user_id"])
    assert isinstance(invited, RoomInviteResponse), invited


async def test_when_kindred_is_down_invites_are_refused_and_the_rest_works(kindred, clients) -> None:
    # Nothing serves the consent port: the module cannot ask.
    client = await kindred()
    ada, bo = await sign_up(client, "ada"), await sign_up(client, "bo")
    await matched(client, ada, bo)
    ada_mx = await clients.of(ada)
    room = await own_room(ada_mx)

    assert_refused(await ada_mx.room_invite(room, bo.user["matrix_user_id"]), UNAVAILABLE["invite"])
    sent = await ada_mx.room_send(room, "m.room.message", {"msgtype": "m.text", "body": "still here"})
    assert isinstance(sent, RoomSendResponse), sent

    # The bot is never limited: the match room is made and both invited.
    async def ready() -> bool:
        found = (await ada.call("GET", "/matches", 200))["matches"]
        return bool(found) and found[0]["status"] == "ready"

    await eventually(ready)


async def test_when_kindred_hangs_the_invite_is_refused_after_the_timeout(kindred, homeserver, clients) -> None:
    client = await kindred()
    ada, bo = await sign_up(client, "ada"), await sign_up(client, "bo")
    await matched(client, ada, bo)
    ada_mx = await clients.of(ada)
    room = await own_room(ada_mx)
    accepted = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.set()
        await reader.read()  # until the module gives up and hangs up
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", homeserver.consent_port)
    try:
        invite = asyncio.create_task(ada_mx.room_invite(room, bo.user["matrix_user_id"]))
        await asyncio.wait_for(accepted.wait(), 10)
        # While the module waits on Kindred, the homeserver answers others.
        assert not invite.done()
        assert isinstance(await ada_mx.whoami(), WhoamiResponse)
        assert_refused(await asyncio.wait_for(invite, 30), UNAVAILABLE["invite"])
    finally:
        server.close()
        await server.wait_closed()


async def test_server_admins_are_never_limited(kindred, clients) -> None:
    # Kindred is not even asked: no app serves the consent port here.
    client = await kindred()
    ada = await sign_up(client, "ada")
    name = unique("operator")
    await client.app[keys.ADMIN].register(name, "operator password", "Operator", admin=True)
    operator_mx = await clients.login(name, "operator password")
    invited = await operator_mx.room_invite(await own_room(operator_mx), ada.user["matrix_user_id"])
    assert isinstance(invited, RoomInviteResponse), invited
