"""Which store the suite runs on, and a fresh database per Kindred data dir.

The suite runs on SQLite unless ``KINDRED_TEST_DATABASE_URL`` names a
PostgreSQL server (``.ci/with-postgres`` starts one and sets it). Then every
data directory gets its own new database on that server, so tests stay as
isolated as with a SQLite file in their temporary directory.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import secrets
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

# A PostgreSQL server URL (any database on it): run the suite against it.
TEST_DATABASE_URL = os.environ.get("KINDRED_TEST_DATABASE_URL", "")
BACKEND = "postgresql" if TEST_DATABASE_URL else "sqlite"

# data dir -> the database URL made for it, so a restarted app finds its data.
_databases: dict[Path, str] = {}


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Run a test on SQLite only, saying why in the test report."""
    return pytest.mark.skipif(BACKEND != "sqlite", reason=f"SQLite only: {reason}")


def postgresql_only(reason: str) -> pytest.MarkDecorator:
    """Run a test in the PostgreSQL pass only, saying why in the test report."""
    return pytest.mark.skipif(BACKEND != "postgresql", reason=f"PostgreSQL only: {reason}")


def _blocking(coroutine: Any) -> Any:
    """Run ``coroutine`` to its end from sync code, even inside a running loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _on_server(statement: str) -> None:
    conn = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def database_url_for(data_dir: Path) -> str:
    """Empty (SQLite in ``data_dir``) unless the suite runs on PostgreSQL;
    then a new database for ``data_dir``, the same one each time."""
    if not TEST_DATABASE_URL:
        return ""
    if data_dir not in _databases:
        name = f"kindred_test_{secrets.token_hex(6)}"
        # The server's default locale, as an operator's would be: the
        # migrations must not depend on it.
        _blocking(_on_server(f"CREATE DATABASE {name}"))
        _databases[data_dir] = urlunsplit(urlsplit(TEST_DATABASE_URL)._replace(path=f"/{name}"))
    return _databases[data_dir]


def database_env(data_dir: Path) -> dict[str, str]:
    """Environment for a ``kindred`` command acting on ``data_dir``'s store."""
    return {"KINDRED_DATA_DIR": str(data_dir), "KINDRED_DATABASE_URL": database_url_for(data_dir)}


async def query(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    """Run one statement on ``data_dir``'s store directly, past Kindred (to
    look at what it wrote, or to set up a state it would never write)."""
    if not TEST_DATABASE_URL:
        conn = sqlite3.connect(data_dir / "kindred.db")
        try:
            with conn:  # commits
                return conn.execute(sql).fetchall()
        finally:
            conn.close()
    conn = await asyncpg.connect(database_url_for(data_dir))
    try:
        return [tuple(row) for row in await conn.fetch(sql)]
    finally:
        await conn.close()


def known() -> set[Path]:
    return set(_databases)


def drop(data_dirs: set[Path]) -> None:
    for data_dir in data_dirs:
        name = urlsplit(_databases.pop(data_dir)).path[1:]
        _blocking(_on_server(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
