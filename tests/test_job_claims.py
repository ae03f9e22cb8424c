"""Claims on queued jobs (store/claims.py): workers sharing a queue never take one job twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

from store import bot_jobs, circle_jobs, claims, jobs, mail_outbox
from store.database import Database
from store.timeutil import utc_now
from tests.databases import database_url_for, postgresql_only


async def _queue(db: Database, count: int) -> list[int]:
    async with db.transaction() as conn:
        return [await bot_jobs.enqueue(conn, "notice_request", user_id=n) for n in range(count)]


async def test_claims_split_a_queue_between_workers(tmp_path: Path) -> None:
    db = Database(tmp_path / "kindred.db", database_url_for(tmp_path))
    await db.open()
    try:
        queued = await _queue(db, 6)
        now = utc_now()
        async with db.transaction() as conn:
            first = [job.id for job in await bot_jobs.claim_due(conn, 4, "a", now)]
            second = [job.id for job in await bot_jobs.claim_due(conn, 4, "b", now)]
        assert first == queued[:4] and second == queued[4:]
    finally:
        await db.close()


@postgresql_only("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite has one writer")
async def test_a_claim_in_flight_is_skipped_not_waited_for(tmp_path: Path) -> None:
    url = database_url_for(tmp_path)
    one, other = Database(tmp_path / "kindred.db", url), Database(tmp_path / "kindred.db", url)
    await one.open()
    await other.open()
    try:
        queued = await _queue(one, 6)
        now = utc_now()
        async with one.transaction() as conn:
            mine = [job.id for job in await bot_jobs.claim_due(conn, 3, "a", now)]
            # The first claim has not committed: its rows are locked, and skipped.
            async with other.transaction() as other_conn:
                theirs = await asyncio.wait_for(bot_jobs.claim_due(other_conn, 6, "b", now), 10)
        assert mine == queued[:3]
        assert [job.id for job in theirs] == queued[3:]
    finally:
        await one.close()
        await other.close()


async def test_every_queue_can_be_claimed_and_its_claims_freed(tmp_path: Path) -> None:
    db = Database(tmp_path / "kindred.db", database_url_for(tmp_path))
    await db.open()
    try:
        async with db.transaction() as conn:
            mail_id = await mail_outbox.enqueue(conn, "code", "ada@example.org", "Your code", "1234", "", "queued")
            now = utc_now()
            assert await jobs.claim_due(conn, 5, "a", now) == []
            assert await circle_jobs.claim_heads(conn, 5, "a", now) == []
            assert [mail.id for mail in await mail_outbox.claim_due(conn, 5, "a", now)] == [mail_id]
            assert await mail_outbox.claim_due(conn, 5, "b", now) == []
            await claims.release_all(conn, "a")
            assert [mail.id for mail in await mail_outbox.claim_due(conn, 5, "b", now)] == [mail_id]
    finally:
        await db.close()
