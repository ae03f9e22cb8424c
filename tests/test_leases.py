"""The lease rule (domain/leases.py) on the suite's store, with a clock the test moves."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import AsyncIterator

import pytest

import kindred_cli
from domain.leases import Holder
from matcher.standby import serve
from store import bot_jobs, leases
from store.database import Database
from store.timeutil import iso
from tests.databases import database_url_for
from tests.helpers import eventually

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


class _Work:
    """Stands in for the bot's workers: notes when it starts and stops."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()
        self.running = 0

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        self.running += 1
        self.started.set()
        try:
            yield
        finally:
            self.running -= 1
            self.stopped.set()


class _Standby(Holder):
    """Counts the times it was refused, checking each time that the holder's work ran alone."""

    def __init__(self, db: Database, work: _Work, other: _Work, lifetime: timedelta) -> None:
        super().__init__(db, "bot", "second", lifetime=lifetime, poll_seconds=lifetime.total_seconds() / 6)
        self.refusals = 0
        # (its work running, the holder's work running) at refusals that broke the rule.
        self.overlaps: list[tuple[int, int]] = []
        self._work, self._other = work, other

    async def try_take(self) -> bool:
        taken = await super().try_take()
        if not taken:
            if (self._work.running, self._other.running) != (0, 1):
                self.overlaps.append((self._work.running, self._other.running))
            self.refusals += 1
        return taken


async def test_a_standby_works_only_once_the_holder_stops_or_loses_the_lease(db: Database) -> None:
    # A short lifetime, so that the test's takeover comes quickly.
    lifetime = timedelta(seconds=0.6)
    first, second = _Work(), _Work()
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    active = Holder(db, "bot", "first", lifetime=lifetime)
    standby = _Standby(db, second, first, lifetime)
    serving_first = asyncio.create_task(serve(active, stop_first, first))
    await first.started.wait()
    serving_second = asyncio.create_task(serve(standby, stop_second, second))
    # Refused for more than two lifetimes: the first renewed in time, again and again.
    await eventually(lambda: asyncio.sleep(0, standby.refusals >= 15), timeout=30, interval=0.05)
    assert standby.overlaps == []
    stop_first.set()
    await serving_first
    assert first.stopped.is_set() and first.running == 0
    await second.started.wait()
    assert await _holder_of(db) == "second"
    # Taken over behind its back (as after a pause longer than its lifetime),
    # the holder stops its work at its next renewal.
    async with db.transaction() as conn:
        await conn.execute("UPDATE leases SET holder = 'someone-else' WHERE role = 'bot'")
    await second.stopped.wait()
    assert second.running == 0
    stop_second.set()
    await serving_second


def test_kindred_web_and_bot_refuse_sqlite_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KINDRED_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KINDRED_DATABASE_URL", "")
    monkeypatch.setenv("KINDRED_CONFIG", str(tmp_path / "none.yaml"))
    (tmp_path / "none.yaml").write_text("{}\n")
    for role in ("web", "bot"):
        assert kindred_cli.main([role]) == 2
        message = capsys.readouterr().err
        assert f"'kindred {role}' needs the store on PostgreSQL" in message and "'kindred run'" in message


async def test_taking_over_frees_the_jobs_the_gone_holder_had_claimed(db: Database) -> None:
    clock = Clock()
    async with db.transaction() as conn:
        job_id = await bot_jobs.enqueue(conn, "notice_request", user_id=1, run_after=iso(clock.now))
    assert await Holder(db, "bot", "first", clock, LIFETIME).try_take()
    async with db.transaction() as conn:
        assert [job.id for job in await bot_jobs.claim_due(conn, 10, "first", clock.now)] == [job_id]
        # Held: another worker gets nothing, the holder gets it again.
        assert await bot_jobs.claim_due(conn, 10, "second", clock.now) == []
        assert [job.id for job in await bot_jobs.claim_due(conn, 10, "first", clock.now)] == [job_id]
    clock.advance(LIFETIME.total_seconds())
    assert await Holder(db, "bot", "second", clock, LIFETIME).try_take()
    async with db.transaction() as conn:
        assert [job.id for job in await bot_jobs.claim_due(conn, 10, "second", clock.now)] == [job_id]
