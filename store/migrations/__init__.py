"""Numbered schema migrations, each run in its own transaction.

The ``schema_version`` table records every applied step; any step not yet
applied runs, even one numbered below the newest. Start-up refuses a
database written by a newer Kindred, since its shape is unknown.

Every step runs on SQLite and on PostgreSQL; it is given the dialect for the
rare statement that must differ.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from store.migrations import v001_initial, v002_bot, v004_moderation, v005_matrix_links, v006_population, v007_report_review, v008_avatars, v011_bot_jobs

if TYPE_CHECKING:
    from store.database import Database

logger = logging.getLogger(__name__)

# (connection, dialect): "sqlite" or "postgresql".
Step = Callable[[Any, str], Awaitable[None]]

# (version, description, step): append only; never edit a released step.
MIGRATIONS: list[tuple[int, str, Step]] = [
    (1, v001_initial.DESCRIPTION, v001_initial.upgrade),
    (2, v002_bot.DESCRIPTION, v002_bot.upgrade),
    (4, v004_moderation.DESCRIPTION, v004_moderation.upgrade),
    (5, v005_matrix_links.DESCRIPTION, v005_matrix_links.upgrade),
    (6, v006_population.DESCRIPTION, v006_population.upgrade),
    (7, v007_report_review.DESCRIPTION, v007_report_review.upgrade),
    (8, v008_avatars.DESCRIPTION, v008_avatars.upgrade),
    (11, v011_bot_jobs.DESCRIPTION, v011_bot_jobs.upgrade),
]
LATEST = MIGRATIONS[-1][0]


class SchemaTooNew(RuntimeError):
    pass


async def applied_versions(conn: Any) -> set[int]:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
    )
    rows = await (await conn.execute("SELECT version FROM schema_version")).fetchall()
    return {int(row[0]) for row in rows}


async def current_version(conn: Any) -> int:
    return max(await applied_versions(conn), default=0)


async def upgrade(db: Database) -> None:
    async with db.transaction() as conn:
        applied = await applied_versions(conn)
    version = max(applied, default=0)
    if version > LATEST:
        raise SchemaTooNew(
            f"the database is at schema version {version}, newer than this "
            f"Kindred knows ({LATEST}); upgrade Kindred before starting it"
        )
    # Every step not yet applied, not only those above the newest: steps
    # developed side by side may land out of order (v4 before v2).
    for number, description, step in MIGRATIONS:
        if number in applied:
            continue
        logger.info("applying migration %d: %s", number, description)
        async with db.transaction() as conn:
            await step(conn, db.dialect)
            await conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
