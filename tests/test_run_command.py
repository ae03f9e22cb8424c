"""`kindred run` as an operator uses it: a real process tree, real signals."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.databases import BACKEND, database_env, query
from tests.helpers import eventually, free_port

pytestmark = pytest.mark.homeserver


def _start(data_dir: Path, port: int, synapse_port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **database_env(data_dir),
        "KINDRED_PORT": str(port),
        "KINDRED_SYNAPSE_PORT": str(synapse_port),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kindred_cli", "run"],
        env=env,
        stdout=open(data_dir / "kindred.out", "ab"),
        stderr=subprocess.STDOUT,
    )


async def _health(session: aiohttp.ClientSession, port: int) -> int | None:
    try:
        async with session.get(f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
            return r.status
    except (TimeoutError, aiohttp.ClientError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _synapse_pid(data_dir: Path) -> int:
    return int((data_dir / "synapse" / "homeserver.pid").read_text().strip())


async def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGINT)
    return await asyncio.to_thread(process.wait, 60)


async def test_run_supervises_the_homeserver_and_stops_cleanly(tmp_path: Path) -> None:
    port, synapse_port = free_port(), free_port()
    process = _start(tmp_path, port, synapse_port)
    try:
        async with aiohttp.ClientSession() as session:

            async def healthy() -> bool:
                assert process.poll() is None, (tmp_path / "kindred.out").read_text()
                return await _health(session, port) == 200

            await eventually(healthy, timeout=120, interval=0.3)
            signup = await session.post(
                f"http://127.0.0.1:{port}/api/v1/auth/signup",
                json={"username": "ada", "password": "password123", "display_name": "Ada"},
            )
            assert signup.status == 201, await signup.text()

            first_pid = _synapse_pid(tmp_path)
            os.kill(first_pid, signal.SIGKILL)
            seen: set[int | None] = set()

            async def recovered() -> bool:
                status = await _health(session, port)
                seen.add(status)
                return status == 200 and 503 in seen

            await eventually(recovered, timeout=120, interval=0.1)
            second_pid = _synapse_pid(tmp_path)
            assert second_pid != first_pid and _alive(second_pid)

        assert await _stop(process) == 0
        await eventually(lambda: asyncio.sleep(0, not _alive(second_pid)), timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    # A second run reuses the data: the account from the first run logs in.
    process = _start(tmp_path, port, synapse_port)
    try:
        async with aiohttp.ClientSession() as session:
            await eventually(lambda: _health(session, port), timeout=120, interval=0.3)

            async def logged_in() -> bool:
                r = await session.post(
                    f"http://127.0.0.1:{port}/api/v1/auth/login",
                    json={"username": "ada", "password": "password123"},
                )
                return r.status == 200

            await eventually(logged_in, timeout=60, interval=0.3)
        assert await _stop(process) == 0
    finally:
        if process.poll() is None:
            process.kill()
    # The account lives in the store the settings chose, and only there.
    assert await query(tmp_path, "SELECT username FROM users") == [("ada",)]
    assert (tmp_path / "kindred.db").exists() == (BACKEND == "sqlite")
