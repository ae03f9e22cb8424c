"""The language a person reads Kindred in: their choice, else their browser's.

Pages ask with the browser's Accept-Language as well; the bot and the mails,
which have no browser to ask, use ``language_of``: the person's choice or
the default language.
"""

from __future__ import annotations

from config.i18n import DEFAULT, SUPPORTED, negotiate, supported
from domain.context import Kindred
from domain.errors import KindredError
from store import users
from store.users import User


def language_for(user: User | None, accept_language: str | None) -> str:
    """What a page shows: the person's choice if they made one, else what the browser asks for."""
    if user is not None and user.language in SUPPORTED:
        return user.language
    return negotiate(accept_language)


async def language_of(ctx: Kindred, user_id: int) -> str:
    """The language to write to a person in where no browser asks (the bot, mails)."""
    async with ctx.db.read() as conn:
        user = await users.get(conn, user_id)
    if user is None or user.language not in SUPPORTED:
        return DEFAULT
    return user.language


async def set_language(ctx: Kindred, user: User, language: object) -> str | None:
    """Store a person's choice: a supported language's code, or None / "" to follow the browser."""
    if language is None or language == "":
        chosen = None
    elif isinstance(language, str) and supported(language) == language.strip().lower():
        chosen = language.strip().lower()
    else:
        raise KindredError("language_invalid", field="language")
    async with ctx.db.transaction() as conn:
        await users.set_language(conn, user.id, chosen)
    return chosen
