"""v25: claims on queued work, so that several workers can share one queue.

``claimed_by`` names the worker that took a row, ``claimed_until`` when
others may take it (store/claims.py). Added to the four queues the workers
take from: room creation, the bot's notices, circles' homeserver work, mail.
"""

from __future__ import annotations

from typing import Any

DESCRIPTION = "claimed_by, claimed_until on jobs, bot_jobs, circle_jobs, mail_outbox"


_TABLES = ("jobs", "bot_jobs", "circle_jobs", "mail_outbox")


async def upgrade(conn: Any, dialect: str) -> None:
    text = 'TEXT COLLATE "C"' if dialect == "postgresql" else "TEXT"
    for table in _TABLES:
        await conn.execute(f"ALTER TABLE {table} ADD COLUMN claimed_by {text}")
        await conn.execute(f"ALTER TABLE {table} ADD COLUMN claimed_until {text}")
