"""Copying a whole Kindred store from SQLite into an empty PostgreSQL database.

``kindred db copy`` moves an installation off the default SQLite file:

1. The source is opened read-only and read in one transaction, so every
   table comes from the same moment. It must be at this Kindred's schema
   version: the copy knows only this shape.
2. A target holding Kindred rows is refused before anything is written. The
   target is then brought to the same schema by Kindred's own migrations,
   which write its ``schema_version`` too: that table is never copied.
3. Everything else goes across in one transaction on the target: every
   table the source's schema lists (read from ``sqlite_master``, so a table
   a new migration adds is copied with no edit here), each after the tables
   its foreign keys point at, ids kept. Identities are then moved past the
   highest id copied. Each table's rows are counted and hashed as they leave
   the source and again as the target holds them, before the commit: SHA-256
   over the rows in primary-key order (every column, for a table without a
   key), each value tagged with its type and length. Any difference rolls the
   whole copy back.

One transaction rather than resuming a partial copy: whatever stops it (a
refused row, a dropped connection, a checksum that differs, Ctrl-C), the
target is left as the migrations made it, with no Kindred rows, and running
the same command again just works. There is no half-copied state to detect,
or to trust. PostgreSQL keeps a transaction of any size.

A copy is rows, not events. The target's triggers (v006 keeps the count of
active people with one on ``users``) are switched off inside the copy's
transaction, ``population`` is copied like any other table, then the
triggers are switched on again and the count is checked against the people
copied. ``ALTER TABLE`` needs the role that owns the tables: the one the
migrations ran as.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiosqlite
import asyncpg

from store import copy_source as source
from store.copy_source import CopyRefused, Table
from store.database import Database
from store.migrations import LATEST, SchemaTooNew, upgrade
from store.postgres import Connection as PgConnection

__all__ = ["Copied", "CopyFailed", "CopyRefused", "Progress", "copy_store"]

# Rows the migrations write into a fresh database themselves (v001's instance
# id, v006's population count, v027's ranking clock): they do not make a
# target "in use", and the source's replace them. The instance id must travel:
# Kindred marks the rooms it makes on the homeserver with it.
_SEEDED = frozenset({"instance", "population", "ranking_clock"})


class CopyFailed(Exception):
    """The copy stopped part-way; its transaction was rolled back."""


# Rows read back between two reports while a table is verified: a large
# table (pictures) takes as long to check as to copy, and should not look stuck.
_CHECK_REPORT_ROWS = 1000


class Progress(Protocol):
    def copied(self, table: str, done: int, total: int) -> None: ...

    def checking(self, table: str, done: int, total: int) -> None: ...

    def verified(self, table: str, rows: int) -> None: ...


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int
    checksum: str


async def copy_store(
    source_path: Path, target_url: str, progress: Progress, named_in: str = "the target URL"
) -> list[Copied]:
    """Copy the SQLite store at ``source_path`` into the PostgreSQL database at
    ``target_url`` (``named_in`` says where the URL came from, in messages)."""
    async with source.reading(source_path) as src:
        tables = await source.tables(src)
        target = Database(Path(), target_url, named_in)
        await target.open(migrate=False)
        try:
            await _make_ready(target, tables)
            return await _copy(src, target, tables, progress)
        finally:
            await target.close()


async def _make_ready(target: Database, tables: list[Table]) -> None:
    """Refuse a target in use, before anything is written; then bring it to
    this Kindred's schema with Kindred's own migrations."""
    try:
        async with target.transaction() as conn:
            await _refuse_if_in_use(_raw(conn), tables)
        await upgrade(target)
    except asyncpg.PostgresError as exc:
        raise CopyRefused(f"the target database cannot take Kindred's schema: {exc}") from exc
    except SchemaTooNew as exc:
        # Empty, but made by a newer Kindred: this one cannot know its tables.
        raise CopyRefused(
            f"the target database is at schema version {exc.version}, newer than this Kindred's ({LATEST}): "
            "copy with the Kindred that made it, or into a new empty database"
        ) from exc


def _raw(conn: object) -> Any:
    if not isinstance(conn, PgConnection):
        raise CopyRefused("the target must be a PostgreSQL database")
    return conn.raw


async def _refuse_if_in_use(raw: Any, tables: list[Table]) -> None:
    for table in tables:
        if table.name in _SEEDED or await raw.fetchval("SELECT to_regclass($1)", table.quoted) is None:
            continue
        if await raw.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table.quoted})"):
            raise CopyRefused(
                f"the target database already holds Kindred data (rows in {table.name}): "
                "copy only into an empty database"
            )


async def _copy(src: aiosqlite.Connection, target: Database, tables: list[Table], progress: Progress) -> list[Copied]:
    try:
        async with target.transaction() as conn:
            raw = _raw(conn)
            # Again, in the transaction that writes: nothing can have come in since.
            await _refuse_if_in_use(raw, tables)
            await _prepare(raw, tables)
            copied = [await _copy_table(src, raw, table, progress) for table in tables]
            await _finish(raw, tables)
            for table, sent in zip(tables, copied, strict=True):
                await _verify(raw, table, sent, progress)
            await _check_population(raw)
    except (CopyFailed, ValueError, asyncpg.PostgresError) as exc:
        raise CopyFailed(f"{exc}; the copy was rolled back, the target holds no Kindred rows") from exc
    return copied


async def _prepare(raw: Any, tables: list[Table]) -> None:
    """Same columns on both sides, triggers off, and the migrations' own rows out."""
    for table in tables:
        found = await raw.fetch(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
            table.quoted,
        )
        if {row[0] for row in found} != set(table.columns):
            raise CopyFailed(f"table {table.name} does not have the same columns in the target")
        await raw.execute(f"ALTER TABLE {table.quoted} DISABLE TRIGGER USER")
    for table in reversed(tables):
        await raw.execute(f"DELETE FROM {table.quoted}")


async def _copy_table(src: aiosqlite.Connection, raw: Any, table: Table, progress: Progress) -> Copied:
    total = int((await source.rows(src, f"SELECT COUNT(*) FROM {table.quoted}"))[0][0])
    digest = hashlib.sha256()
    done = 0
    progress.copied(table.name, done, total)
    async for batch in source.batches(src, table):
        for row in batch:
            source.add_row(digest, row)
        try:
            await raw.copy_records_to_table(table.name, records=batch, columns=list(table.columns))
        except (asyncpg.PostgresError, asyncpg.DataError) as exc:
            raise CopyFailed(f"table {table.name}: {exc}") from exc
        done += len(batch)
        progress.copied(table.name, done, total)
    return Copied(table.name, done, digest.hexdigest())


async def _finish(raw: Any, tables: list[Table]) -> None:
    """Identities past the highest id copied, so new rows get new ids; triggers on again."""
    for table in tables:
        identities = await raw.fetch(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attidentity <> ''", table.quoted
        )
        for (column,) in identities:
            top = f"max({source.quote(column)})"
            await raw.execute(
                f"SELECT setval(pg_get_serial_sequence($1, $2), {top}) FROM {table.quoted} HAVING {top} IS NOT NULL",
                table.quoted,
                column,
            )
        await raw.execute(f"ALTER TABLE {table.quoted} ENABLE TRIGGER USER")


async def _verify(raw: Any, table: Table, sent: Copied, progress: Progress) -> None:
    digest = hashlib.sha256()
    rows = 0
    async for record in raw.cursor(table.select()):
        source.add_row(digest, tuple(record))
        rows += 1
        if rows % _CHECK_REPORT_ROWS == 0:
            progress.checking(table.name, rows, sent.rows)
    if rows != sent.rows:
        raise CopyFailed(f"table {table.name} holds {rows} rows after the copy, not {sent.rows}")
    if digest.hexdigest() != sent.checksum:
        raise CopyFailed(f"table {table.name} holds other rows after the copy (its checksums differ)")
    progress.verified(table.name, rows)


async def _check_population(raw: Any) -> None:
    """v006's count of active people, copied with its trigger off, counts the people copied."""
    kept = await raw.fetchval("SELECT active FROM population")
    counted = await raw.fetchval("SELECT COUNT(*) FROM users WHERE status = 'active'")
    if kept != counted:
        raise CopyFailed(f"the population count ({kept}) is not the number of active people copied ({counted})")
