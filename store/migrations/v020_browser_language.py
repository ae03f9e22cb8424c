"""v20: the language a person's browser asked for when they last signed up or logged in.

The bot and the mails have no browser to ask. For someone who chose no
language on their Profile (``users.language`` NULL), they write in this one,
so that a person who signed up on the German pages gets their first code mail
in German too.
"""

from __future__ import annotations

from typing import Any

DESCRIPTION = "users.browser_language: what the browser last asked for, for the bot and mails"


async def upgrade(conn: Any, dialect: str) -> None:
    await conn.execute("ALTER TABLE users ADD COLUMN browser_language TEXT")
