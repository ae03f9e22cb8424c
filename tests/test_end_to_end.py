"""The whole path on a real Synapse: signup -> interests -> suggestions ->
request -> accept -> a private room where both people talk as ordinary
Matrix clients."""

from __future__ import annotations

import pytest
from nio import (
    AsyncClient,
    JoinResponse,
    RoomGetStateResponse,
    RoomMessagesResponse,
    RoomSendResponse,
    SyncResponse,
)

from tests.bot_helpers import matrix_login
from tests.helpers import assert_status, eventually, sign_up


async def wait_for_invite(client: AsyncClient, room_id: str) -> None:
    async def invited() -> bool:
        sync = await client.sync(timeout=1000)
        assert isinstance(sync, SyncResponse), sync
        return room_id in sync.rooms.invite

    await eventually(invited, timeout=30)


async def room_texts(client: AsyncClient, room_id: str) -> list[tuple[str, str]]:
    response = await client.room_messages(room_id, start="", limit=50)
    assert isinstance(response, RoomMessagesResponse), response
    return [
        (event.sender, event.source["content"].get("body", ""))
        for event in response.chunk
        if event.source.get("type") == "m.room.message"
    ]


async def test_two_people_match_and_talk_in_a_private_room(kindred, homeserver) -> None:
    client = await kindred()
    ada = await sign_up(client, "ada", "Ada", ["Rock Climbing", "jazz", "go", "baking"])
    bo = await sign_up(client, "bo", "Bo", ["rock climbing ", "Go", "chess"])
    assert ada.user["matrix_user_id"] == f"@{ada.username}:localhost"

    suggestions = (await ada.call("GET", "/suggestions", 200))["suggestions"]
    top = next(s for s in suggestions if s["user"]["username"] == bo.username)
    assert top["shared_interests"] == ["go", "rock climbing"]

    sent = await ada.call("POST", "/requests", 201, json={"to": bo.username, "note": "Climb Saturday?"})
    request_id = sent["request"]["id"]
    incoming = (await bo.call("GET", "/requests?box=incoming", 200))["requests"]
    assert [(r["id"], r["from"], r["note"]) for r in incoming] == [(request_id, ada.username, "Climb Saturday?")]

    accepted = await bo.call("POST", f"/requests/{request_id}/accept", 200)
    assert accepted["request"]["status"] == "accepted"
    assert accepted["match"]["status"] == "provisioning"

    async def ready_match() -> dict | None:
        found = (await ada.call("GET", "/matches", 200))["matches"]
        return found[0] if found and found[0]["status"] == "ready" else None

    match = await eventually(ready_match, timeout=30)
    room_id = match["room_id"]
    assert match["user"]["username"] == bo.username
    assert match["shared_interests"] == ["go", "rock climbing"]
    assert room_id in match["room_url"]

    ada_mx = await matrix_login(homeserver.url, ada)
    bo_mx = await matrix_login(homeserver.url, bo)
    try:
        for person in (ada_mx, bo_mx):
            await wait_for_invite(person, room_id)
            joined = await person.join(room_id)
            assert isinstance(joined, JoinResponse), joined

        sent_a = await ada_mx.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "Hi Bo!"})
        assert isinstance(sent_a, RoomSendResponse), sent_a
        sent_b = await bo_mx.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "Hi Ada!"})
        assert isinstance(sent_b, RoomSendResponse), sent_b

        assert (ada_mx.user_id, "Hi Bo!") in await room_texts(bo_mx, room_id)
        assert (bo_mx.user_id, "Hi Ada!") in await room_texts(ada_mx, room_id)
        intro = [body for sender, body in await room_texts(ada_mx, room_id) if "kindred-bot" in sender]
        assert intro and "go, rock climbing" in intro[0]

        state = await ada_mx.room_get_state(room_id)
        assert isinstance(state, RoomGetStateResponse), state
        by_type = {(e["type"], e.get("state_key")): e for e in state.events}
        assert by_type[("m.room.join_rules", "")]["content"]["join_rule"] == "invite"
        assert by_type[("m.room.history_visibility", "")]["content"]["history_visibility"] == "shared"
        assert by_type[("m.room.name", "")]["content"]["name"] == "Ada & Bo"
        assert "rock climbing" in by_type[("m.room.topic", "")]["content"]["topic"]
        members = {
            key
            for (kind, key), e in by_type.items()
            if kind == "m.room.member" and e["content"]["membership"] == "join"
        }
        assert members == {ada_mx.user_id, bo_mx.user_id, "@kindred-bot:localhost"}
    finally:
        await ada_mx.close()
        await bo_mx.close()


async def test_matched_people_leave_each_others_suggestions(kindred) -> None:
    client = await kindred(run_bot=False)
    ada = await sign_up(client, "ada", "Ada", ["tango", "sailing"])
    bo = await sign_up(client, "bo", "Bo", ["tango"])
    names = lambda body: [s["user"]["username"] for s in body["suggestions"]]  # noqa: E731
    assert bo.username in names(await ada.call("GET", "/suggestions?interest=tango", 200))
    sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
    assert bo.username not in names(await ada.call("GET", "/suggestions", 200))
    assert ada.username not in names(await bo.call("GET", "/suggestions", 200))
    await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    assert bo.username not in names(await ada.call("GET", "/suggestions", 200))


async def test_signup_registers_the_same_credentials_on_the_homeserver(kindred, homeserver) -> None:
    client = await kindred(run_bot=False)
    ada = await sign_up(client, "ada", "Ada Lovelace")
    mx = await matrix_login(homeserver.url, ada)
    try:
        profile = await mx.get_displayname(mx.user_id)
        assert getattr(profile, "displayname", None) == "Ada Lovelace"
    finally:
        await mx.close()
    # The username is now taken on both sides.
    response = await client.post(
        "/api/v1/auth/signup",
        json={"username": ada.username, "password": "another password", "display_name": "X"},
    )
    await assert_status(response, 409)
    assert (await response.json())["error"]["code"] == "username_taken"


@pytest.mark.parametrize("taken", ["kindred-bot"])
async def test_reserved_and_homeserver_taken_names_are_refused(kindred, taken: str) -> None:
    client = await kindred(run_bot=False)
    response = await client.post(
        "/api/v1/auth/signup", json={"username": taken, "password": "kindred-pass-31", "display_name": "X"}
    )
    await assert_status(response, 409)
    assert (await response.json())["error"]["code"] == "username_taken"


async def test_a_new_display_name_reaches_matrix(kindred, homeserver) -> None:
    client = await kindred(run_bot=False)
    ada = await sign_up(client, "ada", "Ada")
    await ada.call("PUT", "/me/profile", 200, json={"display_name": "Ada King"})
    mx = await matrix_login(homeserver.url, ada)
    try:
        profile = await mx.get_displayname(mx.user_id)
        assert getattr(profile, "displayname", None) == "Ada King"
    finally:
        await mx.close()
