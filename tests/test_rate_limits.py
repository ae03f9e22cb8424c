"""The signup and login limits' rule: a sliding window per address, counted in the store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiohttp.test_utils import TestClient

from domain import rate_limits
from domain.errors import KindredError
from domain.rate_limits import Limit
from store.database import Database
from tests.databases import database_url_for, postgresql_only, query
from web import keys

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LOGIN = Limit(rate_limits.LOGIN, 2, timedelta(minutes=1))


async def _refused(client: TestClient, limit: Limit, subject: str, at: datetime) -> int:
    with pytest.raises(KindredError) as refused:
        await rate_limits.attempt(client.app[keys.KINDRED], limit, subject, at)
    assert refused.value.code == "rate_limited"
    return int(refused.value.retry_after or 0)


async def test_a_window_lets_its_allowance_through_and_names_the_wait(offline_client: TestClient) -> None:
    ctx = offline_client.app[keys.KINDRED]
    await rate_limits.attempt(ctx, LOGIN, "198.51.100.7", T0)
    await rate_limits.attempt(ctx, LOGIN, "198.51.100.7", T0 + timedelta(seconds=10))
    # Free again when the first attempt leaves the window, 40 s later.
    assert await _refused(offline_client, LOGIN, "198.51.100.7", T0 + timedelta(seconds=20)) == 40
    # A refused attempt is not counted: the wait does not grow.
    assert await _refused(offline_client, LOGIN, "198.51.100.7", T0 + timedelta(seconds=30)) == 30
    # Another address, and another limit, count apart.
    await rate_limits.attempt(ctx, LOGIN, "198.51.100.8", T0 + timedelta(seconds=30))
    signup = Limit(rate_limits.SIGNUP, 1, timedelta(hours=1))
    await rate_limits.attempt(ctx, signup, "198.51.100.7", T0 + timedelta(seconds=30))
    await rate_limits.attempt(ctx, LOGIN, "198.51.100.7", T0 + timedelta(seconds=61))


async def test_attempts_older_than_the_window_are_forgotten(offline_client: TestClient) -> None:
    ctx = offline_client.app[keys.KINDRED]
    for n in range(3):
        await rate_limits.attempt(ctx, LOGIN, f"203.0.113.{n}", T0)
    await rate_limits.attempt(ctx, LOGIN, "203.0.113.9", T0 + timedelta(minutes=2))
    rows = await query(offline_client.app[keys.SETTINGS].data_dir, "SELECT subject FROM rate_limit_hits")
    assert rows == [("203.0.113.9",)]


@postgresql_only("two processes' connections counting at once; SQLite has one writer")
async def test_two_processes_counting_one_address_at_once_let_through_only_the_allowance(
    offline_client: TestClient, tmp_path: Path
) -> None:
    # Two stores open on one database, as two web processes have them.
    stores = [Database(tmp_path / "kindred.db", database_url_for(tmp_path)) for _ in range(2)]
    for db in stores:
        await db.open(migrate=False)
    try:
        limit = Limit(rate_limits.LOGIN, 5, timedelta(minutes=1))

        async def one(n: int) -> bool:
            try:
                await rate_limits.attempt(SimpleNamespace(db=stores[n % 2]), limit, "192.0.2.1", T0)
            except KindredError:
                return False
            return True

        let_through = await asyncio.gather(*(one(n) for n in range(40)))
    finally:
        for db in stores:
            await db.close()
    assert sum(let_through) == 5
