"""Provisioning keeps its promises under faults: one room per match, always.

Each test counts rooms the way an auditor would: as the bot, scanning every
joined room for the ``org.kindred.match`` marker.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from config.secrets import load_or_create_secrets
from config.settings import Settings
from domain import provisioning
from testkit.homeserver import fresh_homeserver
from tests.helpers import all_ready, assert_status, eventually, pairs
from tests.room_audit import app_rooms_by_match, bot_client, intro_count, members
from web import keys
from web.app import create_app


async def test_a_crash_between_creating_and_recording_the_room_adopts_it(
    kindred, homeserver, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await kindred()
    real_record = provisioning.record_room
    calls = 0

    async def dies_once(ctx: Any, match_id: int, room_id: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the bot died before recording the room")
        await real_record(ctx, match_id, room_id)

    monkeypatch.setattr(provisioning, "record_room", dies_once)
    [(a, b, request_id)] = await pairs(client, 1)
    accepted = await b.call("POST", f"/requests/{request_id}/accept", 200)
    match_id = accepted["match"]["id"]
    [match] = await eventually(lambda: all_ready(a, 1), timeout=30)
    rooms = await app_rooms_by_match(client, homeserver.url)
    assert rooms[match_id] == [match["room_id"]]
    # The adopted room is finished: both invited, introduced once.
    bot = bot_client(client.app[keys.SETTINGS].data_dir, homeserver.url)
    try:
        membership = await members(bot, match["room_id"])
        assert membership[a.user["matrix_user_id"]] == membership[b.user["matrix_user_id"]] == "invite"
        assert await intro_count(bot, match["room_id"]) == 1
    finally:
        await bot.close()


async def test_jobs_queued_before_a_restart_complete_after_it(kindred, homeserver) -> None:
    client = await kindred(run_bot=False)
    made = await pairs(client, 3)
    for _, b, request_id in made:
        await b.call("POST", f"/requests/{request_id}/accept", 200)
    data_dir = client.app[keys.SETTINGS].data_dir
    assert all(m["status"] == "provisioning" for m in (await made[0][0].call("GET", "/matches", 200))["matches"])
    await client.close()

    restarted = await kindred(data_dir=data_dir)
    for a, _, _ in made:
        a.client = restarted
        await eventually(lambda a=a: all_ready(a, 1), timeout=30)
    rooms = await app_rooms_by_match(restarted, homeserver.url)
    assert sorted(len(r) for r in rooms.values()) == [1, 1, 1]


async def test_accepts_while_the_homeserver_is_killed_end_ready_with_one_room_each(
    tmp_path: Path, aiohttp_client: Any
) -> None:
    secrets = load_or_create_secrets(tmp_path / "kindred")
    async with fresh_homeserver(tmp_path, secrets=secrets, supervised=True, remove=True) as server:
        settings = Settings(data_dir=tmp_path / "kindred", run_homeserver=False, homeserver_url=server.url)
        client = await aiohttp_client(create_app(settings, secrets))
        made = await pairs(client, 4)
        # Match one room first so the bot is known to work, then pull the plug.
        await made[0][1].call("POST", f"/requests/{made[0][2]}/accept", 200)
        await eventually(lambda: all_ready(made[0][0], 1), timeout=30)

        os.kill(server.pid, signal.SIGKILL)
        for _, b, request_id in made[1:]:
            # The accept is durable: it succeeds while the homeserver is down.
            await b.call("POST", f"/requests/{request_id}/accept", 200)
        health = await client.get("/healthz")
        await assert_status(health, 503)
        assert "homeserver" in (await health.json())["down"]

        for a, _, _ in made:
            await eventually(lambda a=a: all_ready(a, 1), timeout=90)
        rooms = await app_rooms_by_match(client, server.url)
        assert sorted(len(r) for r in rooms.values()) == [1, 1, 1, 1]
        await assert_status(await client.get("/healthz"), 200)
