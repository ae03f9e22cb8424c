"""The reader's language on the web: chosen per request, used by pages and errors.

A signed-in person's choice (Profile) wins; otherwise, and for everyone
signed out, the browser's Accept-Language. The translator is worked out once
per request and kept on it; templates reach it through a context variable,
which asyncio keeps per task, so every request renders in its own language
however many run at once (the Jinja environment is shared and never
switched).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Awaitable, Callable

import jinja2
from aiohttp import web

from config.i18n import DEFAULT, Translator, negotiate, translator
from domain.languages import language_for
from web import keys

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Answers in no language (style sheets, scripts, pictures): no language
# headers, so caches keep one copy for every reader.
_WORDLESS = ("/static/", "/avatars/")

# The translator of the request this task serves; templates read it.
_CURRENT: ContextVar[Translator | None] = ContextVar("kindred_translator", default=None)


def translator_of(request: web.Request) -> Translator:
    """The translator for whoever sent ``request``; it also becomes the templates' one."""
    known = request.get(keys.TRANSLATOR)
    if known is None:
        known = translator(language_for(request.get(keys.USER), request.headers.get("Accept-Language")))
        # Before authentication the person is not known yet: decide again later.
        if keys.USER in request:
            request[keys.TRANSLATOR] = known
    _CURRENT.set(known)
    return known


@web.middleware
async def language_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    chosen = translator_of(request)
    response = await handler(request)
    if request.path.startswith(_WORDLESS):
        return response
    response.headers.setdefault("Content-Language", chosen.locale)
    if request.get(keys.USER) is None or request[keys.USER].language is None:
        # The same address answers in the browser's language: caches must tell them apart.
        response.headers.add("Vary", "Accept-Language")
    return response


def _current() -> Translator:
    return _CURRENT.get() or translator(DEFAULT)


def _gettext(message: str) -> str:
    return _current().gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _current().ngettext(singular, plural, n)


def setup(env: jinja2.Environment) -> None:
    """Jinja's i18n extension, ``_``/``gettext``/``ngettext`` reading the current request's translator.

    Newstyle: ``{{ _("Hello %(name)s", name=x) }}`` translates, then fills in
    the (escaped) values; ``{% trans %}`` blocks have their whitespace trimmed,
    as babel.cfg extracts them.
    """
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


def browser_language(request: web.Request) -> str | None:
    """The supported language the browser asks for; None when it does not say
    (a script's request must not overwrite what a person's browser asked)."""
    asked = request.headers.get("Accept-Language")
    return negotiate(asked) if asked else None


def say(request: web.Request, message: str, **params: object) -> str:
    """``message`` (a literal marked with ``N_``) in the reader's language, with its placeholders filled."""
    text = translator_of(request).gettext(message)
    return text % params if params else text
