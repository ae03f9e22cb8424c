"""The Matrix gateway without a homeserver: the rooms each spec declares,
the one error mapping, and the one 429 policy."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bridge.errors import BridgeError
from bridge.rooms import DIRECT_MARKER, MATCH_STATE_TYPE, direct_room, link_code_room, match_room
from bridge.transport import RateLimit, exchange

_GUESTS = {"type": "m.room.guest_access", "state_key": "", "content": {"guest_access": "forbidden"}}


def test_a_match_room_is_marked_in_its_creation_and_its_state() -> None:
    mark = {"instance": "i-1", "match_id": 7}
    assert match_room("i-1", 7, "Ada & Bo", "hiking", ["@ada:x", "@bo:x"]).body() == {
        "visibility": "private",
        "preset": "private_chat",
        "name": "Ada & Bo",
        "topic": "hiking",
        "invite": ["@ada:x", "@bo:x"],
        "creation_content": {MATCH_STATE_TYPE: mark},
        "initial_state": [
            {"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "shared"}},
            _GUESTS,
            {"type": MATCH_STATE_TYPE, "state_key": "", "content": mark},
        ],
    }


def test_a_direct_room_carries_its_marker_only_when_given_one() -> None:
    body = direct_room("@ada:x", {"instance": "i-1", "user": 3}).body()
    assert body["creation_content"] == {DIRECT_MARKER: {"instance": "i-1", "user": 3}}
    assert body["invite"] == ["@ada:x"] and body["is_direct"] is True
    assert body["initial_state"] == [
        {"type": "m.room.history_visibility", "state_key": "", "content": {"history_visibility": "invited"}},
        _GUESTS,
    ]
    assert "creation_content" not in direct_room("@ada:x").body()


def test_a_link_code_room_invites_nobody_at_creation() -> None:
    body = link_code_room("Kindred").body()
    assert "invite" not in body and body["is_direct"] is True and body["name"] == "Kindred"
    assert body["initial_state"] == [_GUESTS]


async def _serve(answer: web.Response) -> tuple[web.AppRunner, str]:
    async def handler(request: web.Request) -> web.Response:
        return answer

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


async def test_a_matrix_error_keeps_its_errcode_status_and_wait() -> None:
    body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests", "retry_after_ms": 1500}
    runner, base = await _serve(web.json_response(body, status=429))
    try:
        async with aiohttp.ClientSession() as http:
            with pytest.raises(BridgeError) as caught:
                await exchange(http, "GET", base + "/x")
    finally:
        await runner.cleanup()
    assert (caught.value.errcode, caught.value.http_status, caught.value.retry_after_ms) == (
        "M_LIMIT_EXCEEDED",
        429,
        1500,
    )
    assert not caught.value.unreachable


async def test_a_network_fault_is_unreachable() -> None:
    runner, base = await _serve(web.json_response({}))
    await runner.cleanup()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(BridgeError) as caught:
            await exchange(http, "GET", base + "/x")
    assert caught.value.errcode == "K_UNREACHABLE" and caught.value.unreachable


async def test_429s_are_waited_out_capped_and_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    calls: list[Any] = []

    async def limited() -> str:
        calls.append(None)
        raise BridgeError("M_LIMIT_EXCEEDED", "slow down", 429, 3_600_000)

    with pytest.raises(BridgeError):
        await RateLimit(tries=3, max_wait_ms=2000).run(limited)
    assert len(calls) == 3 and slept == [2.0, 2.0]
    calls.clear()
    with pytest.raises(BridgeError):
        await RateLimit(tries=1).run(limited)
    assert len(calls) == 1
