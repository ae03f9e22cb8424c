"""How the bot's sync waits: a long poll when quiet, short polls while the
bot writes in bulk (rooms being made, notices going out: so a burst does not
have the homeserver recompute a waiting sync on every event), and a long poll
already waiting when such work starts is dropped."""

from __future__ import annotations

import asyncio
from typing import Any

from bridge import sync_reader
from bridge.sync_reader import Batch
from matcher import sync_loop
from matcher.sync_loop import POLL_MS, SyncLoop
from tests.helpers import eventually
from web import keys


async def _waits_asked(offline_client: Any, monkeypatch: Any, busy: asyncio.Event, count: int) -> list[int]:
    asked: list[int] = []
    enough = asyncio.Event()

    async def fake_filter(client: object) -> str:
        return "f1"

    async def fake_sync(client: object, since: str | None, filter_id: str, timeout_ms: int) -> Batch:
        asked.append(timeout_ms)
        if len(asked) >= count:
            enough.set()
            await asyncio.Event().wait()  # hold, like a long poll
        return Batch(next_batch=f"s{len(asked)}")

    monkeypatch.setattr(sync_reader, "upload_filter", fake_filter)
    monkeypatch.setattr(sync_loop.sync_reader, "sync", fake_sync)
    ctx = offline_client.app[keys.KINDRED]
    loop = SyncLoop(ctx, None, None, None, None, busy=(asyncio.Event(), busy), busy_poll=0.01)  # type: ignore[arg-type]
    running = asyncio.create_task(loop.run())
    try:
        await asyncio.wait_for(enough.wait(), 5)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    return asked


async def test_a_quiet_bot_holds_a_long_poll(offline_client, monkeypatch) -> None:
    # The first sync of a fresh bot answers at once; then it long-polls.
    assert await _waits_asked(offline_client, monkeypatch, asyncio.Event(), 3) == [0, POLL_MS, POLL_MS]


async def test_a_bot_writing_in_bulk_polls_without_waiting(offline_client, monkeypatch) -> None:
    busy = asyncio.Event()
    busy.set()
    assert await _waits_asked(offline_client, monkeypatch, busy, 4) == [0, 0, 0, 0]


async def test_a_long_poll_waiting_when_bulk_writing_starts_is_dropped(offline_client, monkeypatch) -> None:
    asked: list[tuple[str | None, int]] = []
    dropped = asyncio.Event()
    polled_busy = asyncio.Event()

    async def fake_filter(client: object) -> str:
        return "f1"

    async def fake_sync(client: object, since: str | None, filter_id: str, timeout_ms: int) -> Batch:
        asked.append((since, timeout_ms))
        if since is None:
            return Batch(next_batch="s1")
        if timeout_ms:
            try:
                await asyncio.Event().wait()  # a long poll with nothing to say
            except asyncio.CancelledError:
                dropped.set()
                raise
        polled_busy.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    monkeypatch.setattr(sync_reader, "upload_filter", fake_filter)
    monkeypatch.setattr(sync_loop.sync_reader, "sync", fake_sync)
    rooms_busy, notices_busy = asyncio.Event(), asyncio.Event()
    ctx = offline_client.app[keys.KINDRED]
    loop = SyncLoop(ctx, None, None, None, None, busy=(rooms_busy, notices_busy), busy_poll=0.01)  # type: ignore[arg-type]
    running = asyncio.create_task(loop.run())
    try:
        await eventually(lambda: asyncio.sleep(0, len(asked) == 2), timeout=5)
        # Notices start going out, as the notifier marks it.
        notices_busy.set()
        await asyncio.wait_for(dropped.wait(), 5)
        await asyncio.wait_for(polled_busy.wait(), 5)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    # The same position asked again, without waiting: nothing was skipped.
    assert asked == [(None, 0), ("s1", POLL_MS), ("s1", 0)]
