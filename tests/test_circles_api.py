"""The circles API's shape and its answers to bad input (no homeserver: the
homeserver's work stays queued, so people stay "joining")."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.helpers import sign_up


async def test_a_circle_through_the_api(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", "Ada", ["esperanto"])
    bo = await sign_up(offline_client, "bo", "Bo", ["chess"])
    made = (await ada.call("POST", "/circles", 201, json={"name": "Esperanto", "interest": "esperanto"}))["circle"]
    assert made == {
        "slug": "esperanto",
        "name": "Esperanto",
        "interest": "esperanto",
        "description": "",
        "owner": ada.username,
        "member_count": 1,
        "online_count": 0,
        "member_cap": 10_000,
        "status": "open",
        "room_id": None,
        "room_url": None,
        "my_role": "owner",
        "my_state": "joining",
    }
    # Bo does not hold the interest: the circle is listed for him, after his own.
    listed = (await bo.call("GET", "/circles?q=esper", 200))["circles"]
    assert [(c["slug"], c["my_role"]) for c in listed] == [("esperanto", None)]
    assert (await bo.call("GET", "/circles?interest=chess", 200))["circles"] == []
    assert (await bo.call("POST", "/circles/esperanto/join", 202))["circle"]["my_state"] == "joining"
    members = (await bo.call("GET", "/circles/esperanto/members", 200))["members"]
    assert [(m["username"], m["role"]) for m in members] == [(ada.username, "owner"), (bo.username, "member")]
    promoted = await ada.call("POST", f"/circles/esperanto/members/{bo.username}/promote", 200)
    assert promoted["member"]["role"] == "moderator"
    changed = await bo.call("PATCH", "/circles/esperanto", 200, json={"description": "Saluton!"})
    assert changed["circle"]["description"] == "Saluton!"
    assert (await ada.call("POST", "/circles/esperanto/close", 200))["circle"]["status"] == "closed"


async def test_bad_input_and_forbidden_moves_answer_with_their_codes(offline_client: TestClient) -> None:
    ada = await sign_up(offline_client, "ada", "Ada", ["esperanto"])
    bo = await sign_up(offline_client, "bo", "Bo", ["esperanto"])
    cases = [
        ({"name": "ab", "interest": "esperanto"}, 400, "circle_name_invalid"),
        ({"name": "Abc", "interest": "esperanto", "description": "d" * 501}, 400, "circle_description_too_long"),
        ({"name": "Abc", "interest": "esperanto", "member_cap": "ten"}, 400, "circle_cap_invalid"),
        ({"name": "Abc", "interest": "esperanto", "member_cap": 1}, 400, "circle_cap_invalid"),
        ({"name": "Abc"}, 400, "field_required"),
        ({"name": "Abc", "interest": "knitting"}, 403, "circle_interest_not_held"),
    ]
    for body, status, code in cases:
        answer = await ada.call("POST", "/circles", status, json=body)
        assert answer["error"]["code"] == code, body
    assert (await ada.call("GET", "/circles", 200))["circles"] == []  # nothing half-written

    await ada.call("POST", "/circles", 201, json={"name": "Esperanto", "interest": "esperanto", "member_cap": 2})
    taken = await bo.call("POST", "/circles", 409, json={"name": "ESPERANTO", "interest": "esperanto"})
    assert taken["error"]["code"] == "circle_name_taken"
    assert (await bo.call("GET", "/circles/nope", 404))["error"]["code"] == "circle_not_found"
    assert (await bo.call("GET", "/circles?page=0", 400))["error"]["code"] == "invalid_parameter"
    await bo.call("POST", "/circles/esperanto/join", 202)
    removing = await bo.call("POST", f"/circles/esperanto/members/{ada.username}/remove", 403)
    assert removing["error"]["code"] == "circle_not_moderator"
    assert (await ada.call("POST", "/circles/esperanto/leave", 409))["error"]["code"] == "circle_last_owner"
    carol = await sign_up(offline_client, "carol", "Carol")
    assert (await carol.call("POST", "/circles/esperanto/join", 409))["error"]["code"] == "circle_full"
    await ada.call("POST", f"/circles/esperanto/members/{bo.username}/ban", 200, json={"reason": "spam"})
    assert (await bo.call("POST", "/circles/esperanto/join", 403))["error"]["code"] == "circle_banned"
