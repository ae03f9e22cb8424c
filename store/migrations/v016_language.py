"""v16: the language a person reads Kindred in.

``users.language`` is a supported language's code (``en``, ``de``); NULL
means "follow the browser" (its Accept-Language) on the pages, and the
default language where no browser asks (the bot, mails).
"""

from __future__ import annotations

from typing import Any

DESCRIPTION = "users.language: the language a person chose, NULL to follow the browser"


async def upgrade(conn: Any, dialect: str) -> None:
    await conn.execute("ALTER TABLE users ADD COLUMN language TEXT")
