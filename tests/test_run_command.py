"""`kindred run` as an operator uses it: a real process tree, real signals."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
import pytest

from testkit.process import alive
from tests.databases import BACKEND, query
from tests.helpers import assert_status, eventually, free_port, kindred_run

pytestmark = pytest.mark.homeserver


async def test_run_supervises_the_homeserver_and_stops_cleanly(tmp_path: Path) -> None:
    port, synapse_port = free_port(), free_port()
    kindred = kindred_run(tmp_path, synapse_port=synapse_port, port=port)
    kindred.launch()
    try:
        await kindred.wait_answering()
        async with aiohttp.ClientSession() as session:
            signup = await session.post(
                kindred.url + "/api/v1/auth/signup",
                json={"username": "ada", "password": "kindred-pass-31", "display_name": "Ada"},
            )
            await assert_status(signup, 201)

            first_pid = kindred.homeserver_pid()
            os.kill(first_pid, signal.SIGKILL)
            seen: set[int | None] = set()

            async def recovered() -> bool:
                status = await kindred.health(session)
                seen.add(status)
                return status == 200 and 503 in seen

            await eventually(recovered, timeout=120, interval=0.1)
            second_pid = kindred.homeserver_pid()
            assert second_pid != first_pid and alive(second_pid)

        assert await kindred.interrupt() == 0
        await eventually(lambda: asyncio.sleep(0, not alive(second_pid)), timeout=30)
    finally:
        kindred.stop()

    # A second run reuses the data: the account from the first run logs in.
    kindred.launch()
    try:
        await kindred.wait_answering(healthy=False)
        async with aiohttp.ClientSession() as session:

            async def logged_in() -> bool:
                r = await session.post(
                    kindred.url + "/api/v1/auth/login",
                    json={"username": "ada", "password": "kindred-pass-31"},
                )
                return r.status == 200

            await eventually(logged_in, timeout=60, interval=0.3)
        assert await kindred.interrupt() == 0
    finally:
        kindred.stop()
    # The account lives in the store the settings chose, and only there.
    assert await query(tmp_path, "SELECT username FROM users") == [("ada",)]
    assert (tmp_path / "kindred.db").exists() == (BACKEND == "sqlite")
