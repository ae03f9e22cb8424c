"""The lease rule (domain/leases.py) on the suite's store, with a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import AsyncIterator

import pytest

from domain.leases import Holder
from store import leases
from store.database import Database
from tests.databases import database_url_for

LIFETIME = timedelta(seconds=6)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "kindred.db", database_url_for(tmp_path))
    await database.open()
    yield database
    await database.close()


async def _holder_of(db: Database) -> str | None:
    async with db.read() as conn:
        lease = await leases.get(conn, "bot")
    return lease.holder if lease else None


async def test_one_holder_renews_and_another_takes_over_only_after_expiry(db: Database) -> None:
    clock = Clock()
    first = Holder(db, "bot", "first", clock, LIFETIME)
    second = Holder(db, "bot", "second", clock, LIFETIME)
    assert await first.try_take()
    assert not await second.try_take()
    # Renewed well inside its lifetime, the first keeps it past its first expiry.
    for _ in range(5):
        clock.advance(2)
        assert await first.try_take()
        assert not await second.try_take()
        assert first.holds() and not second.holds()
    # The first stops renewing (it died): just before the expiry the role is still its.
    clock.advance(5.9)
    assert not await second.try_take()
    clock.advance(0.1)
    assert await second.try_take()
    assert await _holder_of(db) == "second"
    assert not first.holds()
    # A renewal that comes too late finds the role taken: the first must stop.
    assert not await first.try_take()
    assert await _holder_of(db) == "second"


async def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(db: Database) -> None:
    clock = Clock()
    first = Holder(db, "bot", "first", clock, LIFETIME)
    second = Holder(db, "bot", "second", clock, LIFETIME)
    assert await first.try_take()
    await second.release()  # not the holder's: changes nothing
    assert await _holder_of(db) == "first"
    await first.release()
    assert not first.holds()
    assert await second.try_take()
    assert await _holder_of(db) == "second"


async def test_roles_are_independent(db: Database) -> None:
    clock = Clock()
    assert await Holder(db, "bot", "a", clock, LIFETIME).try_take()
    assert await Holder(db, "other", "b", clock, LIFETIME).try_take()
