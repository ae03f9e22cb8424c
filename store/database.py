"""The database handle: one writer, parallel readers.

SQLite (the default) allows a single writer at a time. Rather than let
connections fight over the lock (and surface "database is locked"), every
write goes through one connection guarded by an asyncio lock, while reads use
their own connections and proceed in parallel thanks to WAL.

A read that an index answers in microseconds (a person by id, the rows of
one person) costs far less than the hop to a reader thread and back that
aiosqlite makes for every statement (most of a small request's time was
those hops). ``lookup()`` runs such reads on the event loop's own thread,
on a plain sqlite3 connection of their own; anything that scans or ranks
keeps ``read()`` and its threads, so it never holds up the loop.

PostgreSQL (when ``database_url`` names one) keeps the same shape: one writer
connection behind the same lock, so writes keep SQLite's serial semantics,
and a small pool for reads. Its connections are wrapped (``store.postgres``)
to take the store's SQL unchanged. A server that restarts (or drops a
connection) costs at most the operation in flight, which fails with
``DatabaseUnavailable``: the writer reconnects before its next transaction,
and the pool replaces its closed connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path
from typing import Any, AsyncIterator, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

import aiosqlite
import asyncpg

from store.connection import Connection
from store.errors import UniqueViolation
from store.migrations import upgrade
from store.postgres import Connection as PgConnection

logger = logging.getLogger(__name__)

_BUSY_TIMEOUT_MS = 10_000
_READERS = 2
_CONNECT_TIMEOUT_S = 10

# PostgreSQL advisory lock held while migrating (any number unique to Kindred).
_MIGRATION_LOCK = 0x6B696E64

SQLITE = "sqlite"
POSTGRESQL = "postgresql"


class DatabaseUnavailable(RuntimeError):
    """The PostgreSQL server named in the settings cannot be reached, refused
    us, or dropped the connection in the middle of an operation."""


# What a connection that is gone raises (a refused one: OSError and friends).
_CONNECT_ERRORS = (OSError, asyncio.TimeoutError, ValueError, asyncpg.PostgresError, asyncpg.InterfaceError)


class _Rows:
    """A statement's rows, all read at once: no statement stays open (and no
    read snapshot stays held) between one await and the next."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._rows = cursor.fetchall()
        self.rowcount = cursor.rowcount

    async def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> Iterable[Any]:
        return self._rows


class _InlineReader:
    """A ``Connection`` over sqlite3 that runs each statement right away, on the calling thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.raw = conn

    # Its own context manager: nothing to borrow or give back.
    async def __aenter__(self) -> _InlineReader:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = (), /) -> _Rows:
        cursor = self.raw.execute(sql, parameters)
        try:
            return _Rows(cursor)
        finally:
            cursor.close()


class Database:
    def __init__(self, path: Path, url: str = "", named_in: str = "'database_url'") -> None:
        """SQLite at ``path``, or the PostgreSQL database ``url`` names;
        ``named_in`` says where the URL came from, in messages."""
        self.path = path
        self.url = url
        self._named_in = named_in
        self.dialect = POSTGRESQL if url else SQLITE
        self._writer: Any = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._reader_list: list[aiosqlite.Connection] = []
        self._inline: _InlineReader | None = None
        self._pool: Any = None
        self._write_lock = asyncio.Lock()

    async def open(self, migrate: bool = True) -> None:
        """Connect, and bring the schema up to date unless ``migrate`` is off
        (for a caller that looks at the database before changing it)."""
        if self.dialect == POSTGRESQL:
            await self._open_postgresql()
            if migrate:
                await self._upgrade_postgresql()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        async with self._writer.execute("PRAGMA journal_mode=WAL"):
            pass
        # Migrate while the writer is the only connection, as the switch to
        # WAL is only settled once no other connection holds the file.
        if migrate:
            await upgrade(self)
        for _ in range(_READERS):
            reader = await self._connect()
            self._reader_list.append(reader)
            self._readers.put_nowait(reader)
        self._inline = _InlineReader(self._connect_inline())

    async def _open_postgresql(self) -> None:
        try:
            self._writer = PgConnection(await asyncpg.connect(self.url, timeout=_CONNECT_TIMEOUT_S))
            self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=_READERS, timeout=_CONNECT_TIMEOUT_S)
        except _CONNECT_ERRORS as exc:
            if self._writer is not None:
                await self._writer.raw.close()
                self._writer = None
            raise self._unavailable("cannot open", exc) from exc

    async def _upgrade_postgresql(self) -> None:
        """Migrate, one process at a time: several Kindred processes (web and
        bot) may start together on a new database. The lock is the writer
        session's, which runs every step."""
        writer = self._writer.raw
        await writer.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await upgrade(self)
        finally:
            if not writer.is_closed():
                await writer.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)

    def _unavailable(self, what: str, exc: BaseException) -> DatabaseUnavailable:
        # Where, but never the URL itself: it may hold a password.
        parts = urlsplit(self.url)
        where = f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"
        return DatabaseUnavailable(
            f"{what} the PostgreSQL database in {self._named_in} ({where}): {exc or type(exc).__name__}"
        )

    async def _pg_writer(self) -> PgConnection:
        """The writer, connected again if the server dropped it."""
        if self._writer is None or self._writer.raw.is_closed():
            try:
                self._writer = PgConnection(await asyncpg.connect(self.url, timeout=_CONNECT_TIMEOUT_S))
            except _CONNECT_ERRORS as exc:
                self._writer = None
                raise self._unavailable("cannot reconnect to", exc) from exc
            logger.warning("reconnected to the PostgreSQL database")
        writer: PgConnection = self._writer
        return writer

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
            if self._writer is not None:
                await self._writer.raw.close()
            self._writer = None
            return
        if self._inline is not None:
            self._inline.raw.close()
            self._inline = None
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

    def _connect_inline(self) -> sqlite3.Connection:
        # Only ever used on the loop's thread, but closed from wherever close() runs.
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA query_only=ON")
        return conn

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """Run the block as one write transaction; roll back on any error.

        A broken UNIQUE constraint surfaces as ``UniqueViolation`` on both
        databases.
        """
        async with self._write_lock:
            if self.dialect == POSTGRESQL:
                writer = await self._pg_writer()
                try:
                    async with writer.raw.transaction():
                        yield writer
                except Exception as exc:
                    if writer.raw.is_closed():
                        # Nothing was committed; the next transaction reconnects.
                        raise self._unavailable("lost", exc) from exc
                    raise
                return
            assert self._writer is not None, "database is not open"
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException as exc:
                await self._writer.execute("ROLLBACK")
                if isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc):
                    raise UniqueViolation(str(exc)) from exc
                raise
            else:
                await self._writer.execute("COMMIT")

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        """Borrow a read connection; reads see the last committed state."""
        if self._pool is not None:
            try:
                raw = await self._pool.acquire()
            except _CONNECT_ERRORS as exc:
                # The pool could not open a connection in place of a closed one.
                raise self._unavailable("cannot reach", exc) from exc
            try:
                yield PgConnection(raw)
            except Exception as exc:
                if raw.is_closed():
                    raise self._unavailable("lost", exc) from exc
                raise
            finally:
                await self._pool.release(raw)
            return
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    def lookup(self) -> contextlib.AbstractAsyncContextManager[Connection]:
        """Like ``read()``, for a few statements an index answers at once (a
        row by its key, one person's rows): on SQLite they run on the loop's
        thread, with no hop to a reader thread. In WAL mode a reader never
        waits for the writer, so the loop is held for microseconds only.
        Never for a scan, a ranking or anything that grows with the population: use ``read()``."""
        if self._inline is None:
            return self.read()
        return self._inline

    async def ping(self) -> bool:
        try:
            async with self.read() as conn:
                await (await conn.execute("SELECT 1")).fetchone()
            return True
        except Exception:
            logger.exception("database ping failed")
            return False
