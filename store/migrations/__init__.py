"""Numbered schema migrations, each run in its own transaction.

The ``schema_version`` table records the newest applied step. Start-up
refuses a database written by a newer Kindred, since its shape is unknown.
"""

from __future__ import annotations

import logging
from typing import Awaitable, Callable

import aiosqlite

from store.migrations import v001_initial, v004_moderation

logger = logging.getLogger(__name__)

Step = Callable[[aiosqlite.Connection], Awaitable[None]]

# (version, description, step): append only; never edit a released step.
MIGRATIONS: list[tuple[int, str, Step]] = [
    (1, v001_initial.DESCRIPTION, v001_initial.upgrade),
    (4, v004_moderation.DESCRIPTION, v004_moderation.upgrade),
]
LATEST = MIGRATIONS[-1][0]


class SchemaTooNew(RuntimeError):
    pass


async def current_version(conn: aiosqlite.Connection) -> int:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
    )
    row = await (await conn.execute("SELECT MAX(version) FROM schema_version")).fetchone()
    return int(row[0] or 0)


async def upgrade(conn: aiosqlite.Connection) -> None:
    version = await current_version(conn)
    if version > LATEST:
        raise SchemaTooNew(
            f"the database is at schema version {version}, newer than this "
            f"Kindred knows ({LATEST}); upgrade Kindred before starting it"
        )
    for number, description, step in MIGRATIONS:
        if number <= version:
            continue
        logger.info("applying migration %d: %s", number, description)
        await conn.execute("BEGIN IMMEDIATE")
        try:
            await step(conn)
            await conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
