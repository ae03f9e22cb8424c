"""The language a person reads Kindred in: their choice, else their browser's.

Pages ask with the browser's Accept-Language as well; the bot and the mails,
which have no browser to ask, use ``written_language``: the person's choice,
else what their browser asked for when they last signed up or logged in,
else the default language.
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


def written_language(user: User | None) -> str:
    """The language to write to a person in where no browser asks (the bot, mails)."""
    if user is None:
        return DEFAULT
    for language in (user.language, user.browser_language):
        if language in SUPPORTED:
            return language
    return DEFAULT


async def language_of(ctx: Kindred, user_id: int) -> str:
    async with ctx.db.read() as conn:
        user = await users.get(conn, user_id)
    return written_language(user)


async def note_browser(ctx: Kindred, user: User, asked: str | None) -> None:
    """Remember what the browser asked for at a login (None: it did not say), when it changed."""
    if asked is not None and asked != user.browser_language:
        async with ctx.db.transaction() as conn:
            await users.set_browser_language(conn, user.id, asked)


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
