"""The SQLite store a copy reads (``store.copy``), and the checksum both sides compute.

Tables come from the source's own schema (``sqlite_master``), each with its
columns, its primary key and the tables its foreign keys point at, so that a
table a new migration adds needs no edit here.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

import aiosqlite

from store.migrations import LATEST, MIGRATIONS

# Written by the target's own migrations: never copied.
MIGRATIONS_TABLE = "schema_version"
# A batch goes across when it reaches either size (a picture is up to 2 MiB).
_BATCH_ROWS = 1000
_BATCH_BYTES = 8 * 1024 * 1024


class CopyRefused(Exception):
    """Nothing was copied: the source or the target is not fit for a copy."""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    # The primary key, or every column for a table without one: an order both
    # databases follow alike (text compares by code point on both).
    order: tuple[str, ...]
    parents: frozenset[str]

    @property
    def quoted(self) -> str:
        return quote(self.name)

    def select(self) -> str:
        """Every row in checksum order: the same SQL on both databases."""
        columns = ", ".join(quote(column) for column in self.columns)
        order = ", ".join(f"{quote(column)} NULLS FIRST" for column in self.order)
        return f"SELECT {columns} FROM {self.quoted} ORDER BY {order}"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@contextlib.asynccontextmanager
async def reading(path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """The store at ``path``, read-only, inside one read transaction (every
    table as of the same moment)."""
    try:
        src = await aiosqlite.connect(_read_only_uri(path), uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise CopyRefused(f"cannot read the SQLite store at {path}: {exc}") from exc
    try:
        await src.execute("BEGIN")
        yield src
    except sqlite3.Error as exc:
        raise CopyRefused(f"cannot read the SQLite store at {path}: {exc}") from exc
    finally:
        await src.close()


def _read_only_uri(path: Path) -> str:
    if not path.is_file():
        raise CopyRefused(f"cannot read the SQLite store at {path}: no such file")
    return f"{path.resolve().as_uri()}?mode=ro"


async def rows(src: aiosqlite.Connection, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    async with src.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def tables(src: aiosqlite.Connection) -> list[Table]:
    """The source's tables, parents first, once its schema is known to be this Kindred's."""
    await _check_version(src)
    names = await rows(
        src, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    )
    found = []
    for (name,) in names:
        if name == MIGRATIONS_TABLE:
            continue
        info = await rows(src, "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", (name,))
        columns = tuple(str(row[0]) for row in info)
        key = tuple(str(row[0]) for row in sorted((row for row in info if row[1]), key=lambda row: int(row[1])))
        parents = {str(row[0]) for row in await rows(src, 'SELECT "table" FROM pragma_foreign_key_list(?)', (name,))}
        found.append(Table(str(name), columns, key or columns, frozenset(parents - {name})))
    return _parents_first(found)


async def _check_version(src: aiosqlite.Connection) -> None:
    applied = {int(row[0]) for row in await rows(src, f"SELECT version FROM {MIGRATIONS_TABLE}")}
    known = {number for number, _, _ in MIGRATIONS}
    if applied == known:
        return
    version = max(applied, default=0)
    if version > LATEST or applied - known:
        raise CopyRefused(
            f"the SQLite store is at schema version {version}, newer than this Kindred's ({LATEST}): "
            "upgrade Kindred, then copy again"
        )
    missing = ", ".join(str(number) for number in sorted(known - applied))
    raise CopyRefused(
        f"the SQLite store is at schema version {version} (without {missing}), this Kindred's is {LATEST}: "
        "start this Kindred once on it (it upgrades the store as it starts), stop it, then copy again"
    )


def _parents_first(tables: list[Table]) -> list[Table]:
    """``tables`` ordered so that each comes after those its foreign keys point at."""
    pending = {table.name: table for table in tables}
    ordered: list[Table] = []
    while pending:
        ready = sorted((t for t in pending.values() if not t.parents & pending.keys()), key=lambda t: t.name)
        if not ready:
            raise CopyRefused(f"the foreign keys of {', '.join(sorted(pending))} form a cycle")
        for table in ready:
            ordered.append(table)
            del pending[table.name]
    return ordered


async def batches(src: aiosqlite.Connection, table: Table) -> AsyncIterator[list[tuple[Any, ...]]]:
    """The rows of ``table`` in checksum order, a bounded batch at a time."""
    batch: list[tuple[Any, ...]] = []
    size = 0
    async with src.execute(table.select()) as cursor:
        async for row in cursor:
            batch.append(tuple(row))
            size += sum(len(value) for value in row if isinstance(value, (str, bytes)))
            if len(batch) >= _BATCH_ROWS or size >= _BATCH_BYTES:
                yield batch
                batch, size = [], 0
    if batch:
        yield batch


def add_row(digest: Any, row: tuple[Any, ...]) -> None:
    """Feed one row to a hashlib ``digest``, each value tagged with its type
    and length, so that no two different rows feed it the same bytes. The
    values both drivers give (int, str, bytes, None) encode alike."""
    digest.update(len(row).to_bytes(4, "big"))
    for value in row:
        tag, data = _encoded(value)
        digest.update(tag + len(data).to_bytes(8, "big") + data)


def _encoded(value: object) -> tuple[bytes, bytes]:
    if value is None:
        return b"N", b""
    if isinstance(value, int):
        return b"I", str(value).encode()
    if isinstance(value, float):
        return b"F", value.hex().encode()
    if isinstance(value, str):
        return b"T", value.encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return b"B", bytes(value)
    raise ValueError(f"cannot checksum a value of type {type(value).__name__}")
