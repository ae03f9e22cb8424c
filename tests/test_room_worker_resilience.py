"""The room worker outlives a database that is briefly out of reach."""

from __future__ import annotations

import asyncio
from typing import Any

from domain import provisioning
from matcher.room_worker import RoomWorker
from web import keys


async def test_a_failed_look_at_the_queue_does_not_stop_the_worker(offline_client: Any, monkeypatch: Any) -> None:
    looks = 0
    looked_again = asyncio.Event()

    async def due_jobs(ctx: object, limit: int = 50) -> list[object]:
        nonlocal looks
        looks += 1
        if looks == 1:
            raise ConnectionError("the database went away")
        looked_again.set()
        return []

    monkeypatch.setattr(provisioning, "due_jobs", due_jobs)
    worker = RoomWorker(offline_client.app[keys.KINDRED], None, idle_poll=0.05, sweep=False)  # type: ignore[arg-type]
    running = asyncio.create_task(worker.run())
    try:
        await asyncio.wait_for(looked_again.wait(), 5)
        assert not running.done()
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
