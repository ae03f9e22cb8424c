"""Numbered schema migrations, each run in its own transaction.

The ``schema_version`` table records every applied step; any step not yet
applied runs, even one numbered below the newest. Start-up refuses a
database written by a newer Kindred, since its shape is unknown.

Every step runs on SQLite and on PostgreSQL; it is given the dialect for the
rare statement that must differ.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
from typing import TYPE_CHECKING, Any, Awaitable, Callable

if TYPE_CHECKING:
    from store.database import Database

logger = logging.getLogger(__name__)

# (connection, dialect): "sqlite" or "postgresql".
Step = Callable[[Any, str], Awaitable[None]]

# A step is a module of this package named vNNN_what.py with a DESCRIPTION and
# an ``upgrade(conn, dialect)``; adding the file registers it. Never edit a
# released step. Number 3 was reserved by work that landed without a schema
# change: no step and no database carries it.
_STEP_NAME = re.compile(r"^v(\d{3})_\w+$")


def _discover() -> list[tuple[int, str, Step]]:
    steps = []
    for info in pkgutil.iter_modules(__path__):
        found = _STEP_NAME.match(info.name)
        if found is None:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        steps.append((int(found.group(1)), str(module.DESCRIPTION), module.upgrade))
    numbers = [number for number, _, _ in steps]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"two migrations share a number: {sorted(numbers)}")
    return sorted(steps, key=lambda step: step[0])


# (version, description, step), in order.
MIGRATIONS: list[tuple[int, str, Step]] = _discover()
LATEST = MIGRATIONS[-1][0]


class SchemaTooNew(RuntimeError):
    def __init__(self, version: int) -> None:
        super().__init__(
            f"the database is at schema version {version}, newer than this "
            f"Kindred knows ({LATEST}); upgrade Kindred before starting it"
        )
        self.version = version


async def applied_versions(conn: Any) -> set[int]:
    await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    rows = await (await conn.execute("SELECT version FROM schema_version")).fetchall()
    return {int(row[0]) for row in rows}


async def upgrade(db: Database) -> None:
    async with db.transaction() as conn:
        applied = await applied_versions(conn)
    version = max(applied, default=0)
    if version > LATEST:
        raise SchemaTooNew(version)
    # Every step not yet applied, not only those above the newest: steps
    # developed side by side may land out of order (v4 before v2).
    for number, description, step in MIGRATIONS:
        if number in applied:
            continue
        logger.info("applying migration %d: %s", number, description)
        async with db.transaction() as conn:
            await step(conn, db.dialect)
            await conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
