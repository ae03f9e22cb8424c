"""Kindred split over processes on one PostgreSQL store, as an operator scales it:
two ``kindred web`` and two ``kindred bot`` (the second a hot standby), against
the session's homeserver. The active bot is killed (SIGKILL) while a burst of
accepts is being turned into rooms: the standby takes the lease over and
finishes, and the homeserver shows exactly one room and one introduction per
match. An accept on one web process wakes the bot process, and the match's
``match.ready`` reaches a WebSocket on the other web process."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from testkit.process import KindredProcess
from tests.bot_helpers import ready_match
from tests.databases import database_url_for, postgresql_only, query
from tests.helpers import eventually, sign_up
from tests.room_audit import bot_client, intro_count, rooms_by_match

pytestmark = [pytest.mark.homeserver, postgresql_only("kindred web and kindred bot run on PostgreSQL only")]

# Accepted in one burst, the active bot killed right after.
PAIRS = 4


def _part(store: Path, name: str, command: str, homeserver: Any) -> KindredProcess:
    """One process of the deployment: its own data directory, the shared store and secrets."""
    data_dir = store / name
    data_dir.mkdir()
    shutil.copy(homeserver.root / "secrets.json", data_dir / "secrets.json")
    env = {
        "KINDRED_DATA_DIR": str(data_dir),
        "KINDRED_DATABASE_URL": database_url_for(store),
        "KINDRED_RUN_HOMESERVER": "false",
        "KINDRED_HOMESERVER_URL": homeserver.url,
        "KINDRED_SERVER_NAME": "localhost",
    }
    return KindredProcess(data_dir, env, command=command)


async def _lease_holder_pid(store: Path) -> int | None:
    rows = await query(store, "SELECT holder FROM leases WHERE role = 'bot'")
    return int(rows[0][0].split(":")[-2]) if rows else None


async def _match_ready_on(ws: Any, match_id: int) -> dict[str, Any]:
    while True:
        message = await ws.receive_json()
        if message["type"] == "match.ready" and message["data"].get("match_id") == match_id:
            return dict(message)


async def test_killing_the_active_bot_hands_its_work_to_the_standby_and_no_room_is_made_twice(
    tmp_path: Path, homeserver: Any
) -> None:
    site = _part(tmp_path, "web", "web", homeserver)
    other_site = _part(tmp_path, "web-2", "web", homeserver)
    first = _part(tmp_path, "bot-1", "bot", homeserver)
    second = _part(tmp_path, "bot-2", "bot", homeserver)
    try:
        # Started together on an empty database: they migrate it one at a time.
        site.launch()
        first.launch()
        other_site.launch()
        await site.wait_answering()
        await other_site.wait_answering()
        assert first.process is not None
        first_pid = first.process.pid
        await eventually(lambda: _is_holder(tmp_path, first_pid), timeout=60)
        second.launch()
        assert second.process is not None
        second_pid = second.process.pid
        await eventually(lambda: asyncio.sleep(0, "standing by" in second.output()), timeout=60)

        async with site.web() as web:
            people = [await sign_up(web, f"hand{i}", interests=["handover"]) for i in range(2 * PAIRS + 2)]
            receivers, senders = people[0::2], people[1::2]
            sent = [
                await sender.call("POST", "/requests", 201, json={"to": receiver.username})
                for sender, receiver in zip(senders, receivers, strict=True)
            ]
            accepted = await asyncio.gather(
                *(
                    receiver.call("POST", f"/requests/{request['request']['id']}/accept", 200)
                    for receiver, request in zip(receivers[:PAIRS], sent[:PAIRS], strict=True)
                )
            )
            # Mid-burst: the rooms are being made by the first bot, woken from the web process.
            first.kill()
            rooms = {}
            for receiver in receivers[:PAIRS]:
                match = await ready_match(receiver, timeout=90)
                rooms[int(match["id"])] = str(match["room_id"])
            assert sorted(rooms) == sorted(outcome["match"]["id"] for outcome in accepted)
            assert await _lease_holder_pid(tmp_path) == second_pid

            # One more accept on this web process: the bot process makes the
            # room, and a WebSocket on the other web process hears of it.
            last, request = receivers[PAIRS], sent[PAIRS]
            async with other_site.web() as other_web:
                ws = await other_web.ws_connect("/ws", headers=last.headers)
                assert (await ws.receive_json())["type"] == "hello"
                outcome = await last.call("POST", f"/requests/{request['request']['id']}/accept", 200)
                await asyncio.wait_for(_match_ready_on(ws, outcome["match"]["id"]), 90)
                await ws.close()
            match = await ready_match(last, timeout=30)
            rooms[int(match["id"])] = str(match["room_id"])
        assert await _lease_holder_pid(tmp_path) == second_pid
        assert await site.interrupt() == 0
        assert await other_site.interrupt() == 0
        assert await second.interrupt() == 0
        # A clean stop gives the lease up at once.
        assert await _lease_holder_pid(tmp_path) is None
    finally:
        for process in (site, other_site, first, second):
            process.stop()

    # Counted on the homeserver: one room per match, one introduction in each.
    [(instance_id,)] = await query(tmp_path, "SELECT id FROM instance")
    bot = bot_client(second.data_dir, homeserver.url)
    try:
        found = await rooms_by_match(bot, instance_id)
        assert found == {match_id: [room_id] for match_id, room_id in rooms.items()}
        for room_id in rooms.values():
            assert await intro_count(bot, room_id) == 1
    finally:
        await bot.close()


async def _is_holder(store: Path, pid: int) -> bool:
    return await _lease_holder_pid(store) == pid
