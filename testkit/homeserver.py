"""Throwaway homeservers: the installed matrix-synapse, started by Kindred's
own ``BundledHomeserver`` in a temporary directory on free ports, for the
test suite and the benchmarks alone.

Their settings make password hashing cheap and lift the login, message and
join throttles, because a test or a benchmark signs in dozens of clients
from one address within seconds. Never applied by ``kindred run``:
production keeps Synapse's bcrypt cost and the limits in ``config/templates``.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator, Iterator, Mapping

import aiohttp

from bridge.admin import SynapseAdmin
from bridge.homeserver import BundledHomeserver, ConsentCheck
from config.secrets import Secrets, load_or_create_secrets

_LOOSE = {"per_second": 1000, "burst_count": 1000}

THROWAWAY_SYNAPSE_OVERRIDES: dict[str, Any] = {
    "bcrypt_rounds": 4,
    "rc_login": {"address": _LOOSE, "account": _LOOSE, "failed_attempts": _LOOSE},
    "rc_message": _LOOSE,
    "rc_joins": {"local": _LOOSE},
}

# The bot's Matrix ID on a throwaway homeserver (server name ``localhost``).
BOT_USER_ID = "@kindred-bot:localhost"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ThrowawayHomeserver:
    server: BundledHomeserver
    secrets: Secrets
    # Where ``secrets.json`` lives; a Kindred meant to use this homeserver copies it.
    root: Path
    # The homeserver's consent module asks the Kindred serving this port about
    # invites and joins; with none there, Kindred is "down" for it: invites
    # between people are refused, the bot's pass. None: no consent module.
    consent_port: int | None = None

    @property
    def url(self) -> str:
        return self.server.url

    async def register(self, username: str, password: str, display_name: str, admin: bool = False) -> str:
        """An account made on the homeserver directly, past Kindred; its Matrix ID."""
        async with aiohttp.ClientSession() as http:
            synapse = SynapseAdmin(http, self.url, self.secrets.registration_shared_secret)
            return await synapse.register(username, password, display_name, admin)

    @property
    def pid(self) -> int:
        """The Synapse process (for tests that kill or stop it)."""
        return int(self.server.pid_path.read_text())


def throwaway_homeserver(
    root: Path,
    overrides: Mapping[str, Any] | None = None,
    consent_port: int | None = None,
    consent_timeout: int = 5,
    secrets: Secrets | None = None,
) -> ThrowawayHomeserver:
    """A Synapse named ``localhost`` in ``root / "synapse"``, not started yet.

    Secrets come from ``root`` unless given. ``overrides`` replace the
    throwaway settings; with ``consent_port`` it loads Kindred's consent
    module, asking the Kindred on that port (as ``kindred run`` does).
    """
    secrets = secrets or load_or_create_secrets(root)
    port = free_port()
    consent = None
    if consent_port is not None:
        consent = ConsentCheck(f"http://127.0.0.1:{consent_port}", secrets.consent_secret, BOT_USER_ID, consent_timeout)
    server = BundledHomeserver(
        root / "synapse",
        "localhost",
        port,
        secrets.registration_shared_secret,
        f"http://127.0.0.1:{port}",
        THROWAWAY_SYNAPSE_OVERRIDES if overrides is None else overrides,
        consent=consent,
    )
    return ThrowawayHomeserver(server, secrets, root, consent_port)


@contextlib.asynccontextmanager
async def running(*servers: BundledHomeserver, supervised: bool = False, remove: bool = False) -> AsyncIterator[None]:
    """Prepare and start ``servers`` (in parallel), wait until they answer,
    and stop them on exit.

    ``supervised`` restarts a server that dies (as ``kindred run`` does), for
    tests that kill it; ``remove`` deletes their directories afterwards,
    otherwise they are left for inspection.
    """
    stop = asyncio.Event()
    supervisors: list[asyncio.Task[None]] = []
    try:
        for server in servers:
            server.prepare()
            server.start()
        await asyncio.gather(*(server.wait_ready() for server in servers))
        if supervised:
            supervisors = [asyncio.create_task(server.supervise(stop)) for server in servers]
        yield
    finally:
        stop.set()
        await asyncio.gather(*supervisors)
        for server in servers:
            server.stop()
            if remove:
                shutil.rmtree(server.directory, ignore_errors=True)


@contextlib.contextmanager
def running_sync(*servers: BundledHomeserver) -> Iterator[None]:
    """``running`` for callers without an event loop (session fixtures)."""
    try:
        for server in servers:
            server.prepare()
            server.start()

        async def ready() -> None:
            await asyncio.gather(*(server.wait_ready() for server in servers))

        asyncio.run(ready())
        yield
    finally:
        for server in servers:
            server.stop()


@contextlib.asynccontextmanager
async def fresh_homeserver(
    root: Path,
    overrides: Mapping[str, Any] | None = None,
    consent_port: int | None = None,
    consent_timeout: int = 5,
    secrets: Secrets | None = None,
    supervised: bool = False,
    remove: bool = False,
) -> AsyncIterator[ThrowawayHomeserver]:
    """A fresh, running throwaway homeserver in ``root`` (see ``throwaway_homeserver``
    and ``running``)."""
    hs = throwaway_homeserver(root, overrides, consent_port, consent_timeout, secrets)
    async with running(hs.server, supervised=supervised, remove=remove):
        yield hs
