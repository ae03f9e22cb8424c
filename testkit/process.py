"""Kindred as its own process, as an operator starts it (``python -m
kindred_cli run``, or ``web`` or ``bot`` for one part of it): for the tests
of crashes and signals, and for the benchmarks, which must not share an
event loop with what they measure."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping

import aiohttp

from testkit.homeserver import free_port

ROOT = Path(__file__).resolve().parent.parent


class KindredProcess:
    """A ``kindred run`` (or ``command``: ``web``, ``bot``) on ``data_dir``, on
    its own port; restartable after a kill. ``env`` is added to this process's
    environment (the settings and the store); its output goes to
    ``data_dir / "kindred.out"``."""

    def __init__(
        self, data_dir: Path, env: Mapping[str, str] | None = None, port: int | None = None, command: str = "run"
    ) -> None:
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.command = command
        # A homeserver with the consent module may have been told this port beforehand.
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "kindred.out"

    def launch(self, module: str = "kindred_cli") -> subprocess.Popen[bytes]:
        """Start it (``module`` stands in for ``kindred_cli`` in tests that
        stop it at a chosen point); returns at once."""
        env = {**os.environ, **self.env, "KINDRED_PORT": str(self.port)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", module, *([self.command] if module == "kindred_cli" else [])],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self.process

    async def wait_answering(self, timeout: float = 120.0, healthy: bool = True) -> None:
        """Until ``/healthz`` says 200 (or, not ``healthy``, anything at all:
        it says 503 while the homeserver is away); fails at once if the
        process exits, with the end of its output."""
        await wait_http(self.url + "/healthz", timeout, self.process, self.log_path, healthy)

    def web(self) -> aiohttp.ClientSession:
        """A client session for its web and API (paths relative to its root)."""
        return aiohttp.ClientSession(base_url=self.url)

    async def health(self, session: aiohttp.ClientSession) -> int | None:
        """What ``/healthz`` says now; None when nothing answers."""
        try:
            async with session.get(self.url + "/healthz", timeout=aiohttp.ClientTimeout(total=2)) as response:
                return response.status
        except (TimeoutError, aiohttp.ClientError):
            return None

    def output(self) -> str:
        """What it has written so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def homeserver_pid(self) -> int:
        """The bundled homeserver's process, from its pid file."""
        return int((self.data_dir / "synapse" / "homeserver.pid").read_text().strip())

    async def interrupt(self, timeout: float = 60.0) -> int:
        """Ctrl-C, as an operator stops it; its exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return await asyncio.to_thread(self.process.wait, timeout)

    def kill(self) -> None:
        """SIGKILL: Kindred gets no chance to stop anything."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(30)

    def stop(self, grace: float = 20.0) -> None:
        """Stop it if it still runs: SIGTERM, then SIGKILL after ``grace``."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def wait_http(
    url: str,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
    log: Path | None = None,
    healthy: bool = False,
) -> None:
    """Until ``url`` answers (with 200 if ``healthy``); fails at once if
    ``process`` exits, showing the end of ``log``."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:] if log else ""
                raise RuntimeError(f"{url}: process exited with {process.returncode}\n{tail}")
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                    if response.status == 200 or not healthy:
                        return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")
