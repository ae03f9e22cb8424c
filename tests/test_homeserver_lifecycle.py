"""The bundled homeserver's life is tied to Kindred's, and what both keep on
disk is for their owner's eyes only (a real ``kindred run``, real signals)."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import aiohttp
import pytest

from bridge.homeserver import BundledHomeserver
from config.secrets import load_or_create_secrets
from config.settings import Settings
from testkit.process import alive
from tests.databases import BACKEND
from tests.helpers import assert_status, eventually, free_port, kindred_run

pytestmark = [pytest.mark.homeserver, pytest.mark.store_agnostic]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _gone(pid: int) -> bool:
    """Exited (a zombie not yet reaped by init counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return not alive(pid)
    return state in ("Z", "X")


async def test_killed_kindred_takes_its_homeserver_along_and_its_files_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    # As an older Kindred left things: a world-readable directory and secrets.
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    load_or_create_secrets(data_dir, {})
    (data_dir / "secrets.json").chmod(0o644)
    port, synapse_port = free_port(), free_port()
    kindred = kindred_run(data_dir, synapse_port=synapse_port, port=port)
    kindred.launch()
    try:
        await kindred.wait_answering()
        await eventually(lambda: asyncio.sleep(0, (data_dir / "bot-session.json").exists()), timeout=60)
        synapse = data_dir / "synapse"
        assert _mode(data_dir) == 0o700 and _mode(synapse) == 0o700
        secret_files = [
            data_dir / "secrets.json",
            data_dir / "bot-session.json",
            synapse / "homeserver.yaml",
            synapse / "kindred-overrides.yaml",
            synapse / "localhost.signing.key",
            synapse / "homeserver.db",
        ]
        if BACKEND == "sqlite":
            secret_files += [data_dir / "kindred.db", data_dir / "kindred.db-wal", data_dir / "kindred.db-shm"]
        for path in secret_files:
            assert _mode(path) == 0o600, f"{path} is {oct(_mode(path))}"
        for path in list(data_dir.iterdir()) + list(synapse.iterdir()):
            assert not _mode(path) & 0o077, f"{path} is {oct(_mode(path))}"

        synapse_pid = kindred.homeserver_pid()
        kindred.kill()  # SIGKILL: Kindred gets no chance to stop anything
        await eventually(lambda: asyncio.sleep(0, _gone(synapse_pid)), timeout=60, interval=0.2)
    finally:
        kindred.stop()


async def test_a_homeserver_left_running_on_the_data_dir_is_stopped_before_a_new_one_starts(
    tmp_path: Path,
) -> None:
    port, synapse_port = free_port(), free_port()
    settings = Settings(data_dir=tmp_path, synapse_port=synapse_port, port=port)
    # A homeserver whose Kindred is gone: started here, never stopped.
    leftover = BundledHomeserver.from_settings(settings, load_or_create_secrets(tmp_path, {}))
    leftover.prepare()
    leftover.start()
    kindred = kindred_run(tmp_path, synapse_port=synapse_port, port=port)
    stale_pid = kindred.homeserver_pid()
    try:
        await leftover.wait_ready()
        kindred.launch()
        await kindred.wait_answering()
        assert _gone(stale_pid)
        new_pid = kindred.homeserver_pid()
        assert new_pid != stale_pid and alive(new_pid)
        assert "stopping a homeserver left running" in (tmp_path / "kindred.out").read_text()
        # Kindred talks to its own homeserver, not to a restart loop.
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{synapse_port}/health") as response:
                await assert_status(response, 200)
        assert await kindred.interrupt() == 0
        await eventually(lambda: asyncio.sleep(0, _gone(new_pid)), timeout=30)
    finally:
        kindred.stop()
        leftover.stop()


def test_a_pid_file_naming_another_program_is_left_alone(tmp_path: Path) -> None:
    server = BundledHomeserver(tmp_path, "localhost", free_port(), "x" * 40, "http://127.0.0.1")
    tmp_path.joinpath("homeserver.pid").write_text(f"{os.getpid()}\n")
    server.stop_leftover(grace=1)
    assert alive(os.getpid())
