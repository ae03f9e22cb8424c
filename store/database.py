"""The database handle: one writer, parallel readers, WAL.

SQLite allows a single writer at a time. Rather than let connections fight
over the lock (and surface "database is locked"), every write goes through one
connection guarded by an asyncio lock, while reads use their own connections
and proceed in parallel thanks to WAL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import AsyncIterator

import aiosqlite

from store.migrations import upgrade

logger = logging.getLogger(__name__)

_BUSY_TIMEOUT_MS = 10_000
_READERS = 2


class Database:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._reader_list: list[aiosqlite.Connection] = []
        self._write_lock = asyncio.Lock()

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        await upgrade(self._writer)
        for _ in range(_READERS):
            reader = await self._connect()
            self._reader_list.append(reader)
            self._readers.put_nowait(reader)

    async def close(self) -> None:
        for conn in [*self._reader_list, self._writer]:
            if conn is not None:
                await conn.close()
        self._reader_list.clear()
        self._writer = None

    async def _connect(self) -> aiosqlite.Connection:
        # isolation_level=None: we issue BEGIN ourselves so a transaction's
        # extent is explicit in the code rather than implied by the driver.
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys=ON")
        await conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block as one write transaction; roll back on any error."""
        assert self._writer is not None, "database is not open"
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """Borrow a read connection; reads see the last committed state."""
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    async def ping(self) -> bool:
        try:
            async with self.read() as conn:
                await (await conn.execute("SELECT 1")).fetchone()
            return True
        except Exception:  # noqa: BLE001 - health check reports, never raises
            logger.exception("database ping failed")
            return False
