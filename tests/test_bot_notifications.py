"""The bot tells people what happens, in one direct room each, on a real Synapse."""

from __future__ import annotations

from urllib.parse import quote

from nio import RoomLeaveResponse

from tests.bot_helpers import BOT, MatrixPerson, ready_match
from tests.helpers import eventually, sign_up


async def _direct_map(person: MatrixPerson) -> dict:
    path = f"/_matrix/client/v3/user/{quote(person.user_id)}/account_data/m.direct"
    response = await person.mx.send("GET", path, headers={"Authorization": f"Bearer {person.mx.access_token}"})
    return await response.json() if response.status == 200 else {}


async def test_a_request_reaches_the_receiver_in_a_direct_room_and_the_answer_reaches_the_sender(
    kindred, homeserver
) -> None:
    client = await kindred()
    ada = await sign_up(client, "ada", "Ada <Lovelace>", ["go", "rock climbing", "jazz"])
    bo = await sign_up(client, "bo", "Bo", ["Go", "rock climbing", "chess"])
    bo_mx = await MatrixPerson.login(client, homeserver.url, bo)
    ada_mx = await MatrixPerson.login(client, homeserver.url, ada)
    try:
        sent = await ada.call("POST", "/requests", 201, json={"to": bo.username, "note": "<b>Climb</b> Saturday?"})
        room = await bo_mx.direct_room()
        note = await bo_mx.wait_for_bot(room, "would like to connect", f"!accept {ada.username}")
        body, formatted = note["body"], note["formatted_body"]
        assert "Ada <Lovelace>" in body and f"@{ada.username}" in body
        assert "go, rock climbing" in body and f"!reject {ada.username}" in body
        assert "<b>Climb</b> Saturday?" in body and "/requests" in body
        # Whatever people typed is text in the HTML, never markup.
        assert note["format"] == "org.matrix.custom.html"
        assert "Ada &lt;Lovelace&gt;" in formatted and "&lt;b&gt;Climb&lt;/b&gt;" in formatted
        assert "<b>Climb</b>" not in formatted and "<Lovelace>" not in formatted
        # Marked direct on both sides.
        assert (await _direct_map(bo_mx)).get(BOT) == [room]

        await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
        ada_room = await ada_mx.direct_room()
        # The room is ready within moments: Ada hears of both in one message.
        match = await ready_match(ada)
        ready = await ada_mx.wait_for_bot(ada_room, "Bo (@", "accepted your request! Your room is ready")
        assert match["room_id"] in ready["formatted_body"]
        await bo_mx.wait_for_bot(room, "Your room with Ada <Lovelace>", "is ready")
    finally:
        await bo_mx.close()
        await ada_mx.close()


async def test_the_direct_room_is_reused_and_made_again_after_the_person_leaves(kindred, homeserver) -> None:
    client = await kindred()
    bo = await sign_up(client, "bo", "Bo", ["tea"])
    senders = [await sign_up(client, "fan", f"Fan {n}", ["tea"]) for n in range(3)]
    bo_mx = await MatrixPerson.login(client, homeserver.url, bo)
    try:
        room = await bo_mx.requested_by(senders[0], "Fan 0")
        await senders[1].call("POST", "/requests", 201, json={"to": bo.username})
        await bo_mx.wait_for_bot(room, "Fan 1")

        left = await bo_mx.mx.room_leave(room)
        assert isinstance(left, RoomLeaveResponse), left

        async def forgotten() -> bool:
            return await bo_mx.direct_room_id() is None

        # The bot sees the leave on its sync and lets the room go.
        await eventually(forgotten)
        await senders[2].call("POST", "/requests", 201, json={"to": bo.username})

        async def new_room() -> str | None:
            current = await bo_mx.direct_room_id()
            return current if current not in (None, room) else None

        second = await eventually(new_room, timeout=30)
        await bo_mx.join(second)
        await bo_mx.wait_for_bot(second, "Fan 2")
        assert (await _direct_map(bo_mx)).get(BOT) == [second]
    finally:
        await bo_mx.close()
