"""PostgreSQL's LISTEN/NOTIFY: short messages between the processes on one database.

A ``Channel`` keeps its own connection (a pooled one would lose the LISTEN
when handed back), listens on one channel name and sends what it is given.
Messages are hints, not records: one sent while the connection is down is
lost, and the receivers find the state itself in the tables.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

import asyncpg

logger = logging.getLogger(__name__)

# PostgreSQL refuses a payload of 8000 bytes or more.
MAX_PAYLOAD = 7900
_RECONNECT_SECONDS = 1.0
# How often an idle connection is checked (a dropped one is noticed then).
_CHECK_SECONDS = 5.0
_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class Channel:
    def __init__(self, url: str, name: str, received: Callable[[str], None]) -> None:
        self._url = url
        self._name = name
        self._received = received
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        # Set while the channel is listening: a message sent now reaches the others.
        self.listening = asyncio.Event()

    def send(self, payload: str) -> None:
        """Queue ``payload`` for every listener on the channel, this one included."""
        if len(payload.encode("utf-8")) > MAX_PAYLOAD:
            logger.warning("a message of %d bytes is too long for %s; not sent", len(payload), self._name)
            return
        self._outbox.put_nowait(payload)

    async def run(self) -> None:
        """Listen and send until cancelled, connecting again whenever the connection drops."""
        while True:
            try:
                conn = await asyncpg.connect(self._url, timeout=10)
            except _ERRORS as exc:
                logger.warning("cannot listen on %s: %s; trying again", self._name, exc)
                await asyncio.sleep(_RECONNECT_SECONDS)
                continue
            try:
                await self._serve(conn)
            except _ERRORS as exc:
                logger.warning("lost the connection listening on %s: %s; reconnecting", self._name, exc)
            finally:
                self.listening.clear()
                if not conn.is_closed():
                    conn.terminate()

    async def _serve(self, conn: asyncpg.Connection) -> None:
        await conn.add_listener(self._name, self._deliver)
        self.listening.set()
        while not conn.is_closed():
            try:
                payload = await asyncio.wait_for(self._outbox.get(), _CHECK_SECONDS)
            except TimeoutError:
                await conn.execute("SELECT 1")
                continue
            await conn.execute("SELECT pg_notify($1, $2)", self._name, payload)

    def _deliver(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self._received(payload)
        except Exception:
            logger.exception("a message on %s could not be handled", self._name)
