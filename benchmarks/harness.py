"""What every benchmark shares: a throwaway homeserver, Kindred as a real
process, and small statistics helpers.

The homeserver is the installed matrix-synapse, started by Kindred's own
``BundledHomeserver`` in a temporary directory on free ports, with the same
test-only overrides as the test suite: cheap bcrypt and no login or message
throttling. Kindred and its floor both pay those costs, so the overrides
change neither side's share; where they do change a ratio (signup), the
benchmark says so and measures the production setting too.

Kindred runs as ``python -m kindred_cli run``, exactly as an operator starts
it (with the homeserver switched off, since the harness owns it), so the
benchmark process and Kindred never share an event loop or a core's time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Iterator, Mapping

import aiohttp

from bridge.homeserver import BundledHomeserver, ConsentCheck
from config.secrets import Secrets, load_or_create_secrets
from config.throwaway_homeserver import THROWAWAY_SYNAPSE_OVERRIDES

ROOT = Path(__file__).resolve().parent.parent

# The test suite's homeserver settings (cheap bcrypt, no login throttling).
SYNAPSE_OVERRIDES = THROWAWAY_SYNAPSE_OVERRIDES

# Kindred's own abuse limits would stop a benchmark that signs up dozens of
# people from one address in a minute; they are not what is being measured.
_KINDRED_ENV = {
    "KINDRED_SIGNUPS_PER_HOUR": "1000000",
    "KINDRED_LOGINS_PER_MINUTE": "1000000",
    "KINDRED_REQUESTS_PER_DAY": "1000000",
    "KINDRED_LOG_LEVEL": "WARNING",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Homeserver:
    server: BundledHomeserver
    secrets: Secrets
    root: Path

    @property
    def url(self) -> str:
        return self.server.url


@contextlib.asynccontextmanager
async def homeserver(
    root: Path, overrides: Mapping[str, Any] | None = None, consent_port: int | None = None
) -> AsyncIterator[Homeserver]:
    """A fresh Synapse in ``root``; stopped and left for inspection on exit.

    With ``consent_port`` it loads Kindred's consent module, asking the
    Kindred on that port (as the bundled homeserver of ``kindred run`` does).
    """
    secrets = load_or_create_secrets(root)
    port = free_port()
    consent = None
    if consent_port is not None:
        consent = ConsentCheck(f"http://127.0.0.1:{consent_port}", secrets.consent_secret, "@kindred-bot:localhost")
    server = BundledHomeserver(
        root / "synapse",
        "localhost",
        port,
        secrets.registration_shared_secret,
        f"http://127.0.0.1:{port}",
        SYNAPSE_OVERRIDES if overrides is None else overrides,
        consent=consent,
    )
    server.prepare()
    server.start()
    try:
        await server.wait_ready()
        yield Homeserver(server, secrets, root)
    finally:
        server.stop()


class Kindred:
    """Kindred as its own process: ``kindred run`` against the harness's homeserver."""

    def __init__(self, data_dir: Path, hs: Homeserver | None, run_bot: bool = True, port: int | None = None) -> None:
        self.data_dir = data_dir
        # A homeserver with the consent module was told this port beforehand.
        self.port = port or free_port()
        self._hs = hs
        self._run_bot = run_bot and hs is not None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> Path:
        return self.data_dir / "kindred.db"

    async def start(self, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._hs is not None:
            shutil.copy(self._hs.root / "secrets.json", self.data_dir / "secrets.json")
        env = {
            **os.environ,
            **_KINDRED_ENV,
            "KINDRED_DATA_DIR": str(self.data_dir),
            "KINDRED_HOST": "127.0.0.1",
            "KINDRED_PORT": str(self.port),
            "KINDRED_SERVER_NAME": "localhost",
            "KINDRED_RUN_HOMESERVER": "false",
            # Without a bot nothing calls the homeserver in the web benchmarks.
            "KINDRED_HOMESERVER_URL": self._hs.url if self._hs else "http://127.0.0.1:9",
            "KINDRED_RUN_BOT": "true" if self._run_bot else "false",
        }
        env.pop("KINDRED_CONFIG", None)
        log = open(self.data_dir / "kindred.out", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kindred_cli", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        await wait_http(self.url + "/healthz", timeout, self.process, self.data_dir / "kindred.out")
        if self._run_bot:
            # Ready means the bot has its session, not only that the web is up.
            await _wait_file(self.data_dir / "bot-session.json", timeout)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid) if self.process else 0.0


async def wait_http(
    url: str, timeout: float, process: subprocess.Popen[bytes] | None = None, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:] if log else ""
                raise RuntimeError(f"{url}: process exited with {process.returncode}\n{tail}")
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                # Any answer will do: /healthz says 503 when the homeserver is
                # away, which the web-only benchmarks run without on purpose.
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)):
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


async def _wait_file(path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path} did not appear within {timeout:.0f}s")
        await asyncio.sleep(0.1)


@contextlib.contextmanager
def running(kindred: Kindred) -> Iterator[Kindred]:
    try:
        yield kindred
    finally:
        kindred.stop()


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process (Linux), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; ``share`` in [0, 1]."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50": percentile(ms, 0.50),
        "p90": percentile(ms, 0.90),
        "p99": percentile(ms, 0.99),
        "mean": statistics.fmean(ms) if ms else float("nan"),
        "n": len(ms),
    }
