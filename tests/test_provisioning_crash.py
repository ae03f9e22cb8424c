"""Kindred's own process killed (SIGKILL) while a match room is being made:
the room exists on the homeserver, Kindred has not recorded it. The next
start finishes that room instead of making a second one."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.bot_helpers import ready_match
from tests.databases import query
from tests.helpers import eventually, kindred_run, sign_up
from tests.room_audit import bot_client, intro_count, members, rooms_by_match

pytestmark = pytest.mark.homeserver


async def test_sigkill_while_a_match_room_is_made_ends_with_that_one_room_finished(
    tmp_path: Path, homeserver: Any
) -> None:
    shutil.copy(homeserver.root / "secrets.json", tmp_path / "secrets.json")
    kindred = kindred_run(tmp_path, homeserver.url, KINDRED_TEST_ROOM_MADE=str(tmp_path / "room-made"))
    kindred.launch("tests.hold_room_recording")
    try:
        await kindred.wait_answering()
        async with kindred.web() as web:
            ada = await sign_up(web, "ada", interests=["crashes"])
            bo = await sign_up(web, "bo", interests=["crashes"])
            ada_mx, bo_mx = ada.user["matrix_user_id"], bo.user["matrix_user_id"]
            sent = await bo.call("POST", "/requests", 201, json={"to": ada.username})
            accepted = await ada.call("POST", f"/requests/{sent['request']['id']}/accept", 200)
            match_id = accepted["match"]["id"]

            # The homeserver has made the room; Kindred is stopped before recording it.
            made = tmp_path / "room-made"
            await eventually(lambda: asyncio.sleep(0, made.exists() and made.read_text()), timeout=60)
            room_id = made.read_text()
            assert await query(tmp_path, f"SELECT status, room_id FROM matches WHERE id = {match_id}") == [
                ("provisioning", None)
            ]
            kindred.kill()

            kindred.launch()
            await kindred.wait_answering()
            match = await ready_match(ada, timeout=60)
            assert match["room_id"] == room_id
            assert await kindred.interrupt() == 0
    finally:
        kindred.stop()

    # Counted on the homeserver: one room for the match, both invited, one introduction.
    [(instance_id,)] = await query(tmp_path, "SELECT id FROM instance")
    bot = bot_client(tmp_path, homeserver.url)
    try:
        assert (await rooms_by_match(bot, instance_id)) == {match_id: [room_id]}
        membership = await members(bot, room_id)
        assert membership[ada_mx] == membership[bo_mx] == "invite"
        assert await intro_count(bot, room_id) == 1
    finally:
        await bot.close()
