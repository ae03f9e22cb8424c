"""Languages: which ones Kindred speaks, and the translator for each.

Every text people read goes through gettext. Code marks it and a
``Translator`` for the reader's language turns it into their words::

    t = translator("de")
    t.gettext("Wrong username or password.")
    t.ngettext("%(num)d request", "%(num)d requests", n) % {"num": n}

Placeholders are ``%``-style and named (``%(name)s``), in Python and in the
templates alike, so a translation may put them in any order and the catalogue
check can compare them; callers format the translated string themselves
(``% {...}``). Jinja's newstyle gettext formats for them: ``{{ _("Hello
%(name)s", name=me.display_name) }}``. Templates format every message, so
a literal percent sign there is written ``%%``; in Python, only in messages
that are formatted.

Strings defined at import time (the error catalogue, choices of a form) are
marked with ``N_``, which returns them unchanged, and translated where they
are shown, with the reader's translator.

Catalogues live in ``config/translations/<locale>/LC_MESSAGES/<domain>.po``,
one per domain: ``web`` (pages, form and API error messages) and ``bot`` (the
bot's messages and the mails). A translator merges both, so one object serves
any caller. English is the source language and has no catalogue.

Compiled catalogues (``.mo``) are built by ``make install`` (``python -m
config.i18n_catalogues compile``) and are not committed. Should one be
missing or older than its ``.po`` (a fresh checkout, an edited translation),
it is compiled here on first use, in memory, and written beside the ``.po``
when that directory is writable; so any checkout or install speaks every
language it has a catalogue for.
"""

from __future__ import annotations

import contextlib
import functools
import gettext as _gettext
import io
import logging
import os
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

SUPPORTED: tuple[str, ...] = ("en", "de")
DEFAULT = "en"
DOMAINS: tuple[str, ...] = ("web", "bot")
# Each language's name in itself: a person who cannot read the current page
# still finds their own language in the list.
NAMES: dict[str, str] = {"en": "English", "de": "Deutsch"}

TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated later, where it is shown."""
    return message


class Translator:
    """One language's messages, from every domain."""

    def __init__(self, locale: str, messages: _gettext.NullTranslations) -> None:
        self.locale = locale
        self._messages = messages

    def gettext(self, message: str) -> str:
        # gettext("") is the catalogue's header; an empty text stays empty.
        return self._messages.gettext(message) if message else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._messages.ngettext(singular, plural, n)

    def __repr__(self) -> str:
        return f"Translator({self.locale!r})"


def supported(locale: str | None) -> str | None:
    """``locale`` if Kindred speaks it (``de``, ``de-AT`` and ``de_at`` all give ``de``), else None."""
    if not locale:
        return None
    tag = locale.strip().replace("_", "-").lower()
    if tag in SUPPORTED:
        return tag
    primary = tag.split("-", 1)[0]
    return primary if primary in SUPPORTED else None


# A browser sends the same header with every request: parsed once per distinct header.
@functools.lru_cache(maxsize=512)
def negotiate(accept_language: str | None) -> str:
    """The supported language a browser prefers most, from its Accept-Language header."""
    if not accept_language:
        return DEFAULT
    wanted: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and tag.strip():
            # Higher quality first; among equals, the order the browser wrote.
            wanted.append((-quality, position, tag.strip()))
    for _, _, tag in sorted(wanted):
        if tag == "*":
            return DEFAULT
        found = supported(tag)
        if found is not None:
            return found
    return DEFAULT


def translator(locale: str | None) -> Translator:
    """The translator for ``locale``; an unknown or missing one gets the default language."""
    return _translator(supported(locale) or DEFAULT)


@functools.cache
def _translator(locale: str) -> Translator:
    messages = _gettext.NullTranslations()
    if locale != DEFAULT:
        for domain in DOMAINS:
            found = _load(locale, domain)
            if found is None:
                logger.warning("no %s catalogue for %s: its texts stay in English", domain, locale)
                continue
            if isinstance(messages, _gettext.GNUTranslations):
                messages.add_fallback(found)
            else:
                messages = found
    return Translator(locale, messages)


def _load(locale: str, domain: str) -> _gettext.GNUTranslations | None:
    po = TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po"
    mo = po.with_suffix(".mo")
    if not po.exists():
        return _gettext.GNUTranslations(io.BytesIO(mo.read_bytes())) if mo.exists() else None
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return _gettext.GNUTranslations(io.BytesIO(mo.read_bytes()))
    compiled = compile_po(po)
    try:
        write_atomically(mo, compiled)
    except OSError:  # an installed, read-only tree: the compiled copy serves this process
        logger.info("cannot write %s; using the catalogue compiled in memory", mo.name)
    return _gettext.GNUTranslations(io.BytesIO(compiled))


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` whole: several processes starting at once may compile
    the same catalogue, and none may read another's half-written file."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def compile_po(po: Path) -> bytes:
    """The ``.mo`` bytes of one ``.po`` file; fuzzy entries are left out, as gettext does."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalogue = read_po(source)
    out = io.BytesIO()
    write_mo(out, catalogue)
    return out.getvalue()
