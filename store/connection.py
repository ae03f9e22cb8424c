"""The one connection type the store's SQL runs on, whichever database.

Store functions take a ``Connection`` and do two things with it: run a
statement with its parameters, and read the cursor it gives back. aiosqlite's
connection (SQLite) and ``store.postgres.Connection`` (asyncpg underneath)
both fit, so every annotation in ``store`` and ``domain`` is true on either
backend.
"""

from __future__ import annotations

from typing import Any, Awaitable, Iterable, Mapping, Protocol, Sequence


class Cursor(Protocol):
    """What a statement gives back: its rows, or how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...


class Connection(Protocol):
    """Runs one statement: ``?`` or ``:name`` placeholders, as SQLite writes them."""

    def execute(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = ..., /) -> Awaitable[Cursor]: ...
