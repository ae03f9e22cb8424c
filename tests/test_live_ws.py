"""GET /ws: people's open pages hear about their requests and matches as they happen."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from tests.helpers import Api, assert_status, csrf_token, page_login, sign_up


async def _open(client: TestClient, person: Api) -> aiohttp.ClientWebSocketResponse:
    ws = await client.ws_connect("/ws", headers=person.headers)
    hello = await ws.receive_json(timeout=5)
    assert hello["type"] == "hello", hello
    return ws


async def _next(ws: aiohttp.ClientWebSocketResponse, kind: str, timeout: float = 30) -> dict[str, Any]:
    """The next message of type ``kind``, skipping others."""

    async def read() -> dict[str, Any]:
        while True:
            message = await ws.receive_json()
            if message["type"] == kind:
                return message

    return await asyncio.wait_for(read(), timeout)


async def test_the_receiver_hears_of_a_request_and_the_sender_of_its_acceptance_and_room(kindred) -> None:
    client = await kindred()
    ada = await sign_up(client, "ada", "Ada", ["go"])
    bo = await sign_up(client, "bo", "Bo", ["go"])
    ada_ws, bo_ws = await _open(client, ada), await _open(client, bo)
    try:
        sent = await ada.call("POST", "/requests", 201, json={"to": bo.username})
        received = await _next(bo_ws, "request.received")
        assert received["data"] == {"request_id": sent["request"]["id"]}
        assert received["counts"] == {"pending_requests": 1}

        accepted = await bo.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
        match_id = accepted["match"]["id"]
        assert (await _next(ada_ws, "request.accepted"))["data"]["request_id"] == sent["request"]["id"]
        assert (await _next(ada_ws, "match.ready"))["data"] == {"match_id": match_id}
        assert (await _next(bo_ws, "match.ready"))["counts"] == {"pending_requests": 0}

        await ada.call("POST", f"/matches/{match_id}/close", 200)
        assert (await _next(bo_ws, "match.closed"))["data"] == {"match_id": match_id}
    finally:
        await ada_ws.close()
        await bo_ws.close()


async def test_only_signed_in_people_connect_and_each_hears_only_their_own_events(kindred) -> None:
    client = await kindred(run_bot=False)
    response = await client.get("/ws", headers={"Upgrade": "websocket", "Connection": "Upgrade"})
    await assert_status(response, 401)
    ada = await sign_up(client, "ada", "Ada", ["go"])
    bo = await sign_up(client, "bo", "Bo", ["go"])
    cy = await sign_up(client, "cy", "Cy", ["go"])
    cy_ws = await _open(client, cy)
    bo_ws = await _open(client, bo)
    try:
        sent = await ada.call("POST", "/requests", 201, json={"to": bo.username, "note": "hi"})
        await _next(bo_ws, "request.received")
        await ada.call("POST", f"/requests/{sent['request']['id']}/withdraw", 200)
        withdrawn = await _next(bo_ws, "request.withdrawn")
        assert withdrawn["counts"] == {"pending_requests": 0}
        # Cy was never concerned: the first thing Cy hears is a later event
        # of Cy's own (events go out in order), not either of those.
        later = await ada.call("POST", "/requests", 201, json={"to": cy.username})
        message = await asyncio.wait_for(cy_ws.receive_json(), 30)
        assert message["type"] == "request.received", message
        assert message["data"] == {"request_id": later["request"]["id"]}
    finally:
        await cy_ws.close()
        await bo_ws.close()


async def test_a_page_session_cookie_opens_the_socket(kindred) -> None:
    client = await kindred(run_bot=False)
    ada = await sign_up(client, "ada", "Ada", ["go"])
    bo = await sign_up(client, "bo", "Bo", ["go"])
    await page_login(client, bo)
    page = await client.get("/requests")
    assert 'src="/static/live.js"' in await page.text() and 'id="nav-requests"' in await page.text()
    ws = await client.ws_connect("/ws")
    try:
        assert (await ws.receive_json(timeout=5))["type"] == "hello"
        await ada.call("POST", "/requests", 201, json={"to": bo.username})
        assert (await _next(ws, "request.received"))["counts"] == {"pending_requests": 1}
    finally:
        await ws.close()
    script = await client.get("/static/live.js")
    await assert_status(script, 200)
    assert "new WebSocket" in await script.text()


async def test_the_matches_page_can_unmatch_and_block(kindred) -> None:
    client = await kindred(run_bot=False)
    ada = await sign_up(client, "ada", "Ada", ["go"])
    bo = await sign_up(client, "bo", "Bo", ["go"])
    cy = await sign_up(client, "cy", "Cy", ["go"])
    for other in (bo, cy):
        sent = await ada.call("POST", "/requests", 201, json={"to": other.username})
        await other.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
    by_name = {m["user"]["username"]: m["id"] for m in (await ada.call("GET", "/matches", 200))["matches"]}
    await page_login(client, ada)
    csrf = csrf_token(client)
    page = await (await client.get("/matches")).text()
    assert f'action="/matches/{by_name[bo.username]}/close"' in page
    for action, other in (("close", bo), ("block", cy)):
        answer = await client.post(
            f"/matches/{by_name[other.username]}/{action}", data={"csrf_token": csrf}, allow_redirects=False
        )
        await assert_status(answer, 303)
    statuses = {m["user"]["username"]: m["status"] for m in (await ada.call("GET", "/matches", 200))["matches"]}
    assert statuses == {bo.username: "closed", cy.username: "closed"}
    await bo.call("POST", "/requests", 201, json={"to": ada.username})
    await cy.call("POST", "/requests", 403, json={"to": ada.username})
