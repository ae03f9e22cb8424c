"""A throwaway PostgreSQL server, the same kind ``.ci/with-postgres`` makes
for the suite's second pass: a fresh cluster in a temporary directory, on a
free port, durability off (nothing in it outlives the run), removed when
the ``with`` block ends. For the benchmarks, which start their own.

    with throwaway_postgres() as server:
        url = await server.create_database("kindred_bench")
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from testkit.homeserver import free_port

# As .ci/with-postgres: a test or benchmark database is thrown away, so
# durability buys nothing; web processes and their pools need connections.
_SERVER_OPTIONS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    " -c max_connections=300"
)


class PostgresMissing(RuntimeError):
    """No PostgreSQL server programs on this machine."""


def server_bindir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are: ``pg_config``'s answer, else the
    newest Debian-style ``/usr/lib/postgresql/N/bin``."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    by_version = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name or 0))
    candidates += [Path(p) for p in reversed(by_version)]
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    raise PostgresMissing(
        "initdb and pg_ctl not found; install PostgreSQL's server (make postgres-deps, or apt-get install postgresql)"
    )


@dataclass(frozen=True)
class ThrowawayPostgres:
    root: Path
    port: int
    user: str = "kindred"

    @property
    def url(self) -> str:
        """The server's maintenance database; make one per store with ``create_database``."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def pids(self) -> list[int]:
        """The server's processes now: the postmaster and its children (a
        backend per connection, the background workers)."""
        try:
            postmaster = int((self.root / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        found = [postmaster]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # The parent's pid is the second field after the command's ")".
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if parent == postmaster:
                found.append(int(stat.parent.name))
        return found

    async def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))


def _as_owner() -> list[str]:
    # The server refuses to run as root: then it runs as the postgres account.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A new cluster in a temporary directory of its own (removed afterwards),
    started on a free port."""
    bindir = server_bindir()
    # Its own directory, not one under the caller's: run as root, the server's
    # account must be able to reach it, and a temporary directory is private.
    root = Path(tempfile.mkdtemp(prefix="kindred-postgres-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data = root / "data"
    port = free_port()
    owner = _as_owner()
    subprocess.run(
        [
            *owner,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "kindred",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        subprocess.run(
            [
                *owner,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "server.log"),
                "-w",
                "-o",
                f"-p {port} -k {root} {_SERVER_OPTIONS}",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        yield ThrowawayPostgres(root, port)
    finally:
        subprocess.run(
            [*owner, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(root, ignore_errors=True)
