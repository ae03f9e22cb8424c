"""Kindred's own process killed (SIGKILL) while a match room is being made:
the room exists on the homeserver, Kindred has not recorded it. The next
start finishes that room instead of making a second one."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.databases import database_env, query
from tests.helpers import eventually, free_port, unique
from tests.room_audit import bot_client, intro_count, members, rooms_by_match

pytestmark = pytest.mark.homeserver


def _start(data_dir: Path, port: int, homeserver_url: str, module: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **database_env(data_dir),
        "KINDRED_PORT": str(port),
        "KINDRED_RUN_HOMESERVER": "false",
        "KINDRED_HOMESERVER_URL": homeserver_url,
        "KINDRED_SERVER_NAME": "localhost",
        "KINDRED_TEST_ROOM_MADE": str(data_dir / "room-made"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", module] + (["run"] if module == "kindred_cli" else []),
        env=env,
        stdout=open(data_dir / "kindred.out", "ab"),
        stderr=subprocess.STDOUT,
    )


class Web:
    def __init__(self, session: aiohttp.ClientSession, port: int, process: subprocess.Popen[bytes]) -> None:
        self.session, self.base, self.process = session, f"http://127.0.0.1:{port}/api/v1", process

    async def call(self, method: str, path: str, status: int, token: str | None = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.session.request(method, self.base + path, headers=headers, **kwargs) as response:
            body = await response.text()
            assert response.status == status, f"{method} {path} -> {response.status}: {body}"
            return await response.json(content_type=None)

    async def up(self) -> None:
        async def healthy() -> bool:
            assert self.process.poll() is None, "kindred stopped"
            try:
                async with self.session.get(self.base.replace("/api/v1", "/healthz")) as response:
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        await eventually(healthy, timeout=120, interval=0.3)


async def test_sigkill_while_a_match_room_is_made_ends_with_that_one_room_finished(
    tmp_path: Path, homeserver: Any
) -> None:
    shutil.copy(homeserver.root / "secrets.json", tmp_path / "secrets.json")
    port = free_port()
    held = _start(tmp_path, port, homeserver.url, "tests.hold_room_recording")
    try:
        async with aiohttp.ClientSession() as session:
            web = Web(session, port, held)
            await web.up()
            people = []
            for prefix in ("ada", "bo"):
                username = unique(prefix)
                body = {"username": username, "password": "correct horse battery", "display_name": prefix.title()}
                signed = await web.call("POST", "/auth/signup", 201, json=body)
                await web.call("PUT", "/me/profile", 200, signed["access_token"], json={"interests": ["crashes"]})
                people.append((username, signed["user"]["matrix_user_id"], signed["access_token"]))
            (ada, ada_mx, ada_token), (_, bo_mx, bo_token) = people
            sent = await web.call("POST", "/requests", 201, bo_token, json={"to": ada})
            accepted = await web.call("POST", f"/requests/{sent['request']['id']}/accept", 200, ada_token)
            match_id = accepted["match"]["id"]

            # The homeserver has made the room; Kindred is stopped before recording it.
            made = tmp_path / "room-made"
            await eventually(lambda: asyncio.sleep(0, made.exists() and made.read_text()), timeout=60)
            room_id = made.read_text()
            assert await query(tmp_path, f"SELECT status, room_id FROM matches WHERE id = {match_id}") == [
                ("provisioning", None)
            ]
            held.send_signal(signal.SIGKILL)
            await asyncio.to_thread(held.wait, 30)

            again = _start(tmp_path, port, homeserver.url, "kindred_cli")
            try:
                web = Web(session, port, again)
                await web.up()

                async def ready() -> dict[str, Any] | None:
                    found = (await web.call("GET", "/matches", 200, ada_token))["matches"]
                    return next((m for m in found if m["status"] == "ready"), None)

                match = await eventually(ready, timeout=60)
                assert match["room_id"] == room_id
                again.send_signal(signal.SIGINT)
                assert await asyncio.to_thread(again.wait, 60) == 0
            finally:
                if again.poll() is None:
                    again.kill()
    finally:
        if held.poll() is None:
            held.kill()

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
