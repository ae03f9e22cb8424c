"""What every benchmark shares: a throwaway homeserver, Kindred as a real
process, and small statistics helpers.

The homeserver is the test suite's throwaway homeserver (testkit/homeserver.py):
the installed matrix-synapse in a temporary directory on free ports, with the
same test-only overrides: cheap bcrypt and no login or message throttling.
Kindred and its floor both pay those costs, so the overrides change neither
side's share; where they do change a ratio (signup), the
benchmark says so and measures the production setting too.

Kindred runs as ``python -m kindred_cli run``, exactly as an operator starts
it (testkit/process.py; with the homeserver switched off, since the harness
owns it), so the benchmark process and Kindred never share an event loop or a
core's time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import statistics
import time
from pathlib import Path
from typing import Iterator

import asyncpg

from store.copy import copy_store
from testkit.homeserver import THROWAWAY_SYNAPSE_OVERRIDES, ThrowawayHomeserver, fresh_homeserver
from testkit.homeserver import free_port as free_port
from testkit.postgres import ThrowawayPostgres as ThrowawayPostgres
from testkit.postgres import throwaway_postgres as throwaway_postgres
from testkit.process import ROOT as ROOT
from testkit.process import KindredProcess
from testkit.process import wait_http as wait_http

# The benchmarks' names for the test kit's homeserver factory.
Homeserver = ThrowawayHomeserver
homeserver = fresh_homeserver

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


class Kindred(KindredProcess):
    """Kindred as its own process: ``kindred run`` against the harness's
    homeserver, its store SQLite in ``data_dir`` unless ``database_url`` names
    a PostgreSQL database; ``command`` ``web`` runs only the web part (PostgreSQL)."""

    def __init__(
        self,
        data_dir: Path,
        hs: Homeserver | None,
        run_bot: bool = True,
        port: int | None = None,
        database_url: str = "",
        command: str = "run",
    ) -> None:
        run_bot = run_bot and hs is not None and command == "run"
        super().__init__(
            data_dir,
            {
                **_KINDRED_ENV,
                "KINDRED_DATA_DIR": str(data_dir),
                "KINDRED_HOST": "127.0.0.1",
                "KINDRED_SERVER_NAME": "localhost",
                "KINDRED_RUN_HOMESERVER": "false",
                # Without a bot nothing calls the homeserver in the web benchmarks.
                "KINDRED_HOMESERVER_URL": hs.url if hs else "http://127.0.0.1:9",
                "KINDRED_RUN_BOT": "true" if run_bot else "false",
                # An operator's config file on this machine has no say here.
                "KINDRED_CONFIG": "",
                "KINDRED_DATABASE_URL": database_url,
            },
            port,
            command,
        )
        self._hs = hs
        self._run_bot = run_bot
        self.database_url = database_url

    @property
    def store(self) -> str:
        return "PostgreSQL" if self.database_url else "SQLite"

    @property
    def database(self) -> Path:
        return self.data_dir / "kindred.db"

    async def start(self, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._hs is not None:
            shutil.copy(self._hs.root / "secrets.json", self.data_dir / "secrets.json")
        self.launch()
        # Any answer will do: /healthz says 503 when the homeserver is away,
        # which the web-only benchmarks run without on purpose.
        await self.wait_answering(timeout, healthy=False)
        if self._run_bot:
            # Ready means the bot has its session, not only that the web is up.
            await _wait_file(self.data_dir / "bot-session.json", timeout)

    def rss_mb(self) -> float:
        return rss_mb(self.process.pid) if self.process else 0.0


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


class _Quiet:
    """``kindred db copy``'s progress, unreported."""

    def copied(self, table: str, done: int, total: int) -> None:
        pass

    def checking(self, table: str, done: int, total: int) -> None:
        pass

    def verified(self, table: str, rows: int) -> None:
        pass


async def copy_to_postgres(sqlite_path: Path, url: str) -> float:
    """A seeded SQLite store into the empty PostgreSQL database at ``url``,
    by ``kindred db copy``'s own code (every table verified), then vacuumed
    and analysed as autovacuum would have done on a server up a while (a
    bulk load leaves the planner no statistics and the visibility map
    empty); the seconds it took."""
    started = time.perf_counter()
    await copy_store(sqlite_path, url, _Quiet())
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


async def database_bytes(url: str) -> int:
    """The size of a PostgreSQL database, tables and indexes."""
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await conn.close()


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process (Linux), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class CpuShares:
    """Where the machine's time went between two moments, as shares of all
    cores' time: each named group of processes, this process (the load
    generator), everything else on the machine, and idle (Linux's /proc)."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self._start = self._now()

    def _now(self) -> dict[str, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        ticks = {"total": sum(fields[:8]), "idle": fields[3] + fields[4], "generator": _process_ticks(os.getpid())}
        for name, pids in self.groups.items():
            ticks[name] = sum(_process_ticks(pid) for pid in pids)
        return ticks

    def shares(self) -> dict[str, float]:
        end = self._now()
        used = {name: end[name] - self._start[name] for name in end}
        total = max(used.pop("total"), 1)
        shares = {name: ticks / total for name, ticks in used.items()}
        shares["other"] = max(0.0, 1.0 - sum(shares.values()))
        return shares


def _process_ticks(pid: int) -> int:
    """User and system clock ticks a process has used, its threads included."""
    try:
        # The command name may hold spaces: the fields start after its ")".
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


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
