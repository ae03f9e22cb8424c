"""PostgreSQL behind the interface the store modules use with SQLite.

Store code calls ``await conn.execute(sql, params)`` and reads the cursor's
``fetchone()``, ``fetchall()`` and ``rowcount``. This wraps an asyncpg
connection the same way, so the SQL in the store stays the single source:
its ``?`` and ``:name`` placeholders become ``$1..$n`` here.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Mapping, Sequence

import asyncpg

from store.errors import UniqueViolation

# Statements whose rows come back; anything else reports a row count.
_ROW_STATEMENTS = ("SELECT", "WITH", "VALUES")


class Cursor:
    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows


class Connection:
    dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.raw = conn

    async def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Cursor:
        text, names = _numbered(sql)
        args = [params[name] for name in names] if isinstance(params, Mapping) else list(params)
        try:
            if _returns_rows(text):
                rows = await self.raw.fetch(text, *args)
                return Cursor([tuple(row) for row in rows], len(rows))
            status = await self.raw.execute(text, *args)
        except asyncpg.UniqueViolationError as exc:
            raise UniqueViolation(str(exc)) from exc
        # "UPDATE 3", "INSERT 0 1", "DELETE 0": the count comes last.
        last = status.rsplit(" ", 1)[-1]
        return Cursor([], int(last) if last.isdigit() else -1)


def _returns_rows(sql: str) -> bool:
    head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
    return head in _ROW_STATEMENTS or " RETURNING " in sql.upper()


# What the placeholder scan must step over whole (comments, quoted text,
# dollar-quoted bodies, ``::`` casts) and the two placeholder spellings.
_TOKENS = re.compile(
    r"(?P<skip>--[^\n]*|'(?:[^']|'')*'|\"[^\"]*\"|\$\$.*?\$\$|::)"
    r"|(?P<mark>\?)|:(?P<name>[A-Za-z_]\w*)",
    re.DOTALL,
)


@functools.lru_cache(maxsize=1024)
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` with ``?`` and ``:name`` placeholders numbered for asyncpg, and
    the names in order of their numbers (empty for ``?`` placeholders).

    Quoted text and comments are copied untouched, so a timestamp literal's
    colons or an apostrophe in a comment stay as they are.
    """
    names: list[str] = []
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match["skip"]:
            return match["skip"]
        if match["mark"]:
            count += 1
            return f"${count}"
        if match["name"] not in names:
            names.append(match["name"])
        return f"${names.index(match['name']) + 1}"

    return _TOKENS.sub(number, sql), tuple(names)
