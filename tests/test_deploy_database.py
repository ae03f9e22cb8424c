"""The deployment's database init script, run for real on the suite's
PostgreSQL server as the postgres image would run it: then a SQLite store is
copied in as the role it made for Kindred (which runs Kindred's migrations),
Kindred works there, and the role can do nothing else.

The roles and databases get names of their own here (the suite's server
already has a role named ``kindred``: its superuser), and are dropped after.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from config import doctor
from config.deploy import SECRETS, read_env, render
from config.doctor import OK
from config.settings import Settings
from kindred_cli import CopyProgress
from store import users
from store.copy import copy_store
from store.database import Database
from store.migrations import LATEST
from tests.databases import TEST_DATABASE_URL, postgresql_only

pytestmark = postgresql_only("the init script runs on a PostgreSQL server")

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Roles:
    kindred: str
    synapse: str
    passwords: dict[str, str]

    def url(self, role: str, database: str) -> str:
        """A URL to ``database`` on the suite's server as ``role``."""
        server = urlsplit(TEST_DATABASE_URL)
        where = f"{role}:{self.passwords[role]}@{server.hostname}:{server.port}"
        return urlunsplit(server._replace(netloc=where, path=f"/{database}"))


def _psql_bindir() -> str:
    done = subprocess.run([ROOT / ".ci" / "with-postgres", "--bindir"], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def _run_init(script: Path, roles: Roles, superuser: str) -> subprocess.CompletedProcess[str]:
    """The script as the image's entrypoint runs it: as the superuser, with the
    compose file's environment for the postgres service."""
    server = urlsplit(TEST_DATABASE_URL)
    env = {
        "PATH": f"{_psql_bindir()}:{os.environ['PATH']}",
        "PGHOST": server.hostname or "127.0.0.1",
        "PGPORT": str(server.port),
        "POSTGRES_USER": superuser,
        "POSTGRES_DB": server.path.strip("/"),
        "KINDRED_DB_USER": roles.kindred,
        "KINDRED_DB_NAME": roles.kindred,
        "KINDRED_DB_PASSWORD": roles.passwords[roles.kindred],
        "SYNAPSE_DB_USER": roles.synapse,
        "SYNAPSE_DB_NAME": roles.synapse,
        "SYNAPSE_DB_PASSWORD": roles.passwords[roles.synapse],
    }
    return subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=60)


async def _as_superuser(sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def _drop(roles: Roles) -> None:
    async def drop() -> None:
        conn = await asyncpg.connect(TEST_DATABASE_URL)
        try:
            for name in (roles.kindred, roles.synapse):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for name in (roles.kindred, roles.synapse):
                await conn.execute(f'DROP ROLE IF EXISTS "{name}"')
        finally:
            await conn.close()

    asyncio.run(drop())


@pytest.fixture
def roles() -> Iterator[Roles]:
    suffix = secrets.token_hex(4)
    made = Roles(f"kindred_{suffix}", f"synapse_{suffix}", {})
    made.passwords.update({made.kindred: secrets.token_urlsafe(32), made.synapse: secrets.token_urlsafe(32)})
    yield made
    _drop(made)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """The init script as ``config.deploy`` writes it next to the other configs."""
    example = read_env(ROOT / ".env.example")
    render({key: secrets.token_urlsafe(32) if key in SECRETS else value for key, value in example.items()}, tmp_path)
    return tmp_path / "postgres-init.sh"


async def test_each_application_gets_a_role_that_owns_its_database_and_nothing_more(
    script: Path, roles: Roles, tmp_path: Path
) -> None:
    superuser = urlsplit(TEST_DATABASE_URL).username or "postgres"
    done = _run_init(script, roles, superuser)
    assert done.returncode == 0, done.stderr
    # Run again (a restart on a kept volume would not, but an operator may): same result.
    again = _run_init(script, roles, superuser)
    assert again.returncode == 0, again.stderr

    found = await _as_superuser(
        "SELECT rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls"
        " FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname",
        [roles.kindred, roles.synapse],
    )
    assert [tuple(row)[1:] for row in found] == [(True, False, False, False, False, False)] * 2, found
    databases = await _as_superuser(
        "SELECT datname, pg_get_userbyid(datdba), pg_encoding_to_char(encoding), datcollate, datctype"
        " FROM pg_database WHERE datname = ANY($1) ORDER BY datname",
        [roles.kindred, roles.synapse],
    )
    by_name = {row[0]: tuple(row)[1:] for row in databases}
    assert by_name[roles.kindred][:2] == (roles.kindred, "UTF8")
    # What Synapse's documentation asks of its database.
    assert by_name[roles.synapse] == (roles.synapse, "UTF8", "C", "C")

    # A laptop's SQLite store moves in as Kindred's role: the copy runs the
    # migrations (the role makes its tables) and switches the tables'
    # triggers off and on (only their owner may); then Kindred works there.
    laptop = tmp_path / "kindred.db"
    source = Database(laptop)
    await source.open()
    try:
        async with source.transaction() as conn:
            ada = await users.insert_pending(conn, "ada", "hash", "Ada")
    finally:
        await source.close()
    kindred_url = roles.url(roles.kindred, roles.kindred)
    copied = await copy_store(laptop, kindred_url, CopyProgress(io.StringIO()))
    assert sum(table.rows for table in copied) > 0
    db = Database(Path(), kindred_url)
    await db.open()
    try:
        async with db.transaction() as conn:
            bo = await users.insert_pending(conn, "bo", "hash", "Bo")
        async with db.transaction() as conn:
            found = await users.get_many(conn, [ada, bo])
        assert {user.username for user in found.values()} == {"ada", "bo"} and bo > ada
    finally:
        await db.close()
    # The doctor reads the store as that role too (pg_database_size needs only CONNECT).
    looked = {check.name: check.status for check in await doctor.store(Settings(database_url=kindred_url), 10)}
    assert looked == {"database": OK, "migrations": OK, "store size": OK}, looked
    conn = await asyncpg.connect(kindred_url)
    try:
        assert await conn.fetchval("SELECT MAX(version) FROM schema_version") == LATEST
        owners = await conn.fetch("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        assert [row[0] for row in owners] == [roles.kindred]
        # ... and nothing beyond its own database.
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied to create database"):
            await conn.execute("CREATE DATABASE kindred_elsewhere")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied to create role"):
            await conn.execute("CREATE ROLE kindred_second LOGIN")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="must be superuser|permission denied"):
            await conn.execute(f'ALTER ROLE "{roles.kindred}" CREATEDB')
    finally:
        await conn.close()
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for database"):
        await asyncpg.connect(roles.url(roles.kindred, roles.synapse))
    # Likewise Synapse's role cannot reach Kindred's store.
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for database"):
        await asyncpg.connect(roles.url(roles.synapse, roles.kindred))


def test_the_script_will_not_demote_the_superuser_it_runs_as(script: Path, roles: Roles) -> None:
    # A volume from before the split has its superuser named like Synapse's role.
    done = _run_init(script, roles, superuser=roles.synapse)
    assert done.returncode == 1
    assert f"the superuser is named {roles.synapse}, like an application role" in done.stderr
