"""The request state machine through the API: pending -> accepted | rejected | withdrawn."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from domain import requests as request_rules
from domain.errors import KindredError
from store import jobs, users
from tests.helpers import Api, sign_up
from web import keys


async def rows(client: TestClient, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    async with client.server.app[keys.DB].read() as conn:
        cursor = await conn.execute(sql, params)
        return [tuple(row) for row in await cursor.fetchall()]


async def request_status(client: TestClient, request_id: int) -> str:
    [(status,)] = await rows(client, "SELECT status FROM requests WHERE id = ?", request_id)
    return str(status)


async def trio(client: TestClient) -> tuple[Api, Api, Api]:
    ada = await sign_up(client, "ada", interests=["chess", "go", "knitting"])
    bo = await sign_up(client, "bo", interests=["go", "chess", "rowing"])
    cy = await sign_up(client, "cy", interests=["chess"])
    return ada, bo, cy


async def send(sender: Api, receiver: Api, note: str | None = None) -> int:
    body = await sender.call("POST", "/requests", 201, json={"to": receiver.username, "note": note})
    return int(body["request"]["id"])


async def test_send_creates_a_pending_request_both_people_see(offline_client: TestClient) -> None:
    ada, bo, _ = await trio(offline_client)
    body = await ada.call("POST", "/requests", 201, json={"to": bo.username.upper(), "note": "  Fancy a game?  "})
    request = body["request"]
    assert "match" not in body
    assert (request["from"], request["to"], request["status"]) == (ada.username, bo.username, "pending")
    assert request["note"] == "Fancy a game?"
    assert request["decided_at"] is None
    incoming = await bo.call("GET", "/requests?box=incoming", 200)
    outgoing = await ada.call("GET", "/requests?box=outgoing", 200)
    assert [r["id"] for r in incoming["requests"]] == [request["id"]]
    assert [r["id"] for r in outgoing["requests"]] == [request["id"]]
    assert (await ada.call("GET", "/requests?box=incoming", 200))["requests"] == []


async def test_accept_creates_a_provisioning_match_and_one_queued_job(offline_client: TestClient) -> None:
    ada, bo, _ = await trio(offline_client)
    request_id = await send(ada, bo)
    body = await bo.call("POST", f"/requests/{request_id}/accept", 200)
    assert body["request"]["status"] == "accepted"
    assert body["request"]["decided_at"] is not None
    match = body["match"]
    assert match["status"] == "provisioning"
    assert match["user"]["username"] == ada.username
    assert match["shared_interests"] == ["chess", "go"]
    assert match["room_id"] is None
    assert await rows(offline_client, "SELECT id, request_id, status FROM matches") == [
        (match["id"], request_id, "provisioning")
    ]
    assert await rows(offline_client, "SELECT kind, match_id, state FROM jobs") == [
        (jobs.PROVISION_ROOM, match["id"], "queued")
    ]
    # Both see the match.
    theirs = await ada.call("GET", "/matches", 200)
    assert [m["id"] for m in theirs["matches"]] == [match["id"]]
    assert (await ada.call("GET", f"/matches/{match['id']}", 200))["match"]["user"]["username"] == bo.username


async def test_accept_is_one_transaction(offline_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    ada, bo, _ = await trio(offline_client)
    request_id = await send(ada, bo)

    async def queue_down(*args: Any) -> int:
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(jobs, "enqueue", queue_down)
    ctx = offline_client.server.app[keys.KINDRED]
    async with ctx.db.read() as conn:
        receiver = await users.get_by_username(conn, bo.username)
    assert receiver is not None
    with pytest.raises(RuntimeError):
        await request_rules.accept(ctx, receiver, request_id)
    # Neither the decision nor the match survived the failed job insert.
    assert await request_status(offline_client, request_id) == "pending"
    assert await rows(offline_client, "SELECT id FROM matches") == []
    monkeypatch.undo()
    outcome = await request_rules.accept(ctx, receiver, request_id)
    assert outcome.match is not None and outcome.request.status == "accepted"


async def test_reject_and_withdraw_end_the_request_without_a_match(offline_client: TestClient) -> None:
    ada, bo, cy = await trio(offline_client)
    rejected = await send(ada, bo)
    withdrawn = await send(ada, cy)
    body = await bo.call("POST", f"/requests/{rejected}/reject", 200)
    assert body["request"]["status"] == "rejected" and "match" not in body
    body = await ada.call("POST", f"/requests/{withdrawn}/withdraw", 200)
    assert body["request"]["status"] == "withdrawn" and "match" not in body
    assert await rows(offline_client, "SELECT id FROM matches") == []
    assert await rows(offline_client, "SELECT id FROM jobs") == []
    # An ended request frees the pair to try again.
    await send(ada, bo)
    await send(cy, ada)


async def test_only_the_right_party_may_answer(offline_client: TestClient) -> None:
    ada, bo, _ = await trio(offline_client)
    request_id = await send(ada, bo)
    cases = [
        (ada, "accept", "not_request_receiver"),
        (ada, "reject", "not_request_receiver"),
        (bo, "withdraw", "not_request_sender"),
    ]
    for person, action, code in cases:
        body = await person.call("POST", f"/requests/{request_id}/{action}", 403)
        assert body["error"]["code"] == code
    assert await request_status(offline_client, request_id) == "pending"


async def test_outsiders_and_unknown_ids_get_the_same_404(offline_client: TestClient) -> None:
    ada, bo, cy = await trio(offline_client)
    request_id = await send(ada, bo)
    answers = []
    for action in ("accept", "reject", "withdraw"):
        answers.append(await cy.call("POST", f"/requests/{request_id}/{action}", 404))
        answers.append(await bo.call("POST", f"/requests/{request_id + 1000}/{action}", 404))
        answers.append(await bo.call("POST", f"/requests/not-a-number/{action}", 404))
        answers.append(await bo.call("POST", f"/requests/0/{action}", 404))
    assert all(answer == {"error": {"code": "request_not_found", "message": "No such request."}} for answer in answers)
    assert await request_status(offline_client, request_id) == "pending"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("accept", "accept"),
        ("accept", "reject"),
        ("reject", "accept"),
        ("reject", "reject"),
        ("withdraw", "accept"),
        ("withdraw", "withdraw"),
        ("accept", "withdraw"),
    ],
)
async def test_answered_requests_are_409(offline_client: TestClient, first: str, second: str) -> None:
    ada, bo, _ = await trio(offline_client)
    request_id = await send(ada, bo)
    actor = {"accept": bo, "reject": bo, "withdraw": ada}
    await actor[first].call("POST", f"/requests/{request_id}/{first}", 200)
    body = await actor[second].call("POST", f"/requests/{request_id}/{second}", 409)
    assert body["error"]["code"] == "request_not_pending"
    assert len(await rows(offline_client, "SELECT id FROM matches")) == (1 if first == "accept" else 0)


async def test_a_second_pending_request_to_the_same_person_is_409(offline_client: TestClient) -> None:
    ada, bo, _ = await trio(offline_client)
    await send(ada, bo)
    body = await ada.call("POST", "/requests", 409, json={"to": bo.username})
    assert (body["error"]["code"], body["error"]["field"]) == ("request_exists", "to")
    assert len(await rows(offline_client, "SELECT id FROM requests")) == 1


async def test_requests_to_a_match_are_409_both_ways(offline_client: TestClient) -> None:
    ada, bo, _ = await trio(offline_client)
    await bo.call("POST", f"/requests/{await send(ada, bo)}/accept", 200)
    for sender, receiver in [(ada, bo), (bo, ada)]:
        body = await sender.call("POST", "/requests", 409, json={"to": receiver.username})
        assert body["error"]["code"] == "already_matched"
    assert len(await rows(offline_client, "SELECT id FROM requests")) == 1


async def test_asking_back_accepts_their_request(offline_client: TestClient) -> None:
    ada, bo, _ = await trio(offline_client)
    request_id = await send(ada, bo)
    body = await bo.call("POST", "/requests", 200, json={"to": ada.username, "note": "yes!"})
    assert body["request"]["id"] == request_id
    assert body["request"]["status"] == "accepted"
    assert body["match"]["status"] == "provisioning"
    assert body["match"]["user"]["username"] == ada.username
    # No second request; one match, one job.
    assert await rows(offline_client, "SELECT id, status FROM requests") == [(request_id, "accepted")]
    [(match_id,)] = await rows(offline_client, "SELECT id FROM matches")
    assert await rows(offline_client, "SELECT match_id FROM jobs") == [(match_id,)]


async def test_bad_targets_are_refused(offline_client: TestClient) -> None:
    ada, _, _ = await trio(offline_client)
    cases = [
        ({"to": ada.username}, 400, "cannot_request_self"),
        ({"to": "nobody-by-this-name"}, 404, "user_not_found"),
        ({"to": "   "}, 400, "field_required"),
        ({}, 400, "field_required"),
        ({"to": 7}, 400, "field_type"),
    ]
    for body, status, code in cases:
        answer = await ada.call("POST", "/requests", status, json=body)
        assert answer["error"]["code"] == code, body
    assert await rows(offline_client, "SELECT id FROM requests") == []


async def test_notes_over_500_characters_are_refused(offline_client: TestClient) -> None:
    ada, bo, _ = await trio(offline_client)
    body = await ada.call("POST", "/requests", 400, json={"to": bo.username, "note": "n" * 501})
    assert (body["error"]["code"], body["error"]["field"]) == ("note_too_long", "note")
    assert await rows(offline_client, "SELECT id FROM requests") == []
    ok = await ada.call("POST", "/requests", 201, json={"to": bo.username, "note": "n" * 500})
    assert ok["request"]["note"] == "n" * 500


async def test_request_listing_filters(offline_client: TestClient) -> None:
    ada, bo, cy = await trio(offline_client)
    first = await send(ada, bo)
    second = await send(cy, bo)
    await bo.call("POST", f"/requests/{first}/reject", 200)
    pending = await bo.call("GET", "/requests?box=incoming&status=pending", 200)
    assert [r["id"] for r in pending["requests"]] == [second]
    rejected = await bo.call("GET", "/requests?status=rejected", 200)
    assert [r["id"] for r in rejected["requests"]] == [first]
    for query, field in [("box=sideways", "box"), ("status=lost", "status")]:
        body = await bo.call("GET", f"/requests?{query}", 400)
        assert (body["error"]["code"], body["error"]["field"]) == ("invalid_parameter", field)


async def test_domain_refuses_with_catalogue_codes(offline_client: TestClient) -> None:
    ada, bo, _ = await trio(offline_client)
    ctx = offline_client.server.app[keys.KINDRED]
    async with ctx.db.read() as conn:
        sender = await users.get_by_username(conn, ada.username)
    assert sender is not None
    outcome = await request_rules.send(ctx, sender, bo.username, None)
    assert outcome.created and outcome.request.status == "pending" and outcome.match is None
    with pytest.raises(KindredError) as caught:
        await request_rules.send(ctx, sender, bo.username, None)
    assert caught.value.code == "request_exists"
