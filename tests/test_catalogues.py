"""Every text the code marks for translation has one, in every language.

The texts are extracted from the code as `make messages` does (Babel, in
process), so a new or changed text without its translation fails here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from config import i18n
from config.i18n import DEFAULT, DOMAINS, SUPPORTED, negotiate, translator
from config.i18n_catalogues import extract, locales, po_path

pytestmark = pytest.mark.store_agnostic

# %(name)s, %(num)d, and a bare %s or %d; %% is a literal percent sign.
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[sdif]")


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in _PLACEHOLDER.finditer(text.replace("%%", "")))


def _texts(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, tuple) else (message.id,)


def _translations(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, tuple) else (message.string,)


def _forms(catalogue: Catalog, message: Message) -> int:
    """How many translations ``message`` needs: one, or each plural form of the language."""
    return catalogue.num_plurals if isinstance(message.id, tuple) else 1


def _catalogue(locale: str, domain: str) -> Catalog:
    path = po_path(locale, domain)
    assert path.exists(), f"{locale} has no {domain} catalogue: python -m config.i18n_catalogues init {locale}"
    with path.open("rb") as source:
        return read_po(source, locale=locale)


@pytest.fixture(scope="module")
def extracted() -> dict[str, Catalog]:
    return {domain: extract(domain) for domain in DOMAINS}


def test_every_supported_language_but_the_source_has_catalogues() -> None:
    assert DEFAULT == "en" and DEFAULT in SUPPORTED
    assert sorted(set(SUPPORTED) - {DEFAULT}) == locales()


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_text_the_code_uses_is_translated_with_the_same_placeholders(
    domain: str, extracted: dict[str, Catalog]
) -> None:
    used = [m for m in extracted[domain] if m.id]
    assert used, f"no texts extracted for {domain}: is babel.cfg read?"
    for locale in locales():
        catalogue = _catalogue(locale, domain)
        problems = []
        for message in used:
            found = catalogue.get(message.id, message.context)
            where = ", ".join(f"{path}:{line}" for path, line in message.locations)
            if found is None:
                problems.append(f"missing: {message.id!r} ({where})")
            elif found.fuzzy:
                problems.append(f"fuzzy, to be checked: {message.id!r} ({where})")
            elif not all(_translations(found)) or len(_translations(found)) != _forms(catalogue, message):
                problems.append(f"untranslated: {message.id!r} ({where})")
            else:
                wanted = _placeholders(_texts(message)[-1])
                for text in _translations(found):
                    if _placeholders(text) != wanted:
                        problems.append(f"placeholders differ: {message.id!r} -> {text!r} ({where})")
        assert not problems, f"{locale}/{domain}.po, run `make messages` and translate:\n" + "\n".join(problems)


def test_placeholders_are_compared_by_name() -> None:
    assert _placeholders("Hello %(name)s, %(num)d left, 100%%") == ["%(name)s", "%(num)d"]
    assert _placeholders("Hallo %(nam)s") != _placeholders("Hello %(name)s")


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        (None, "en"),
        ("", "en"),
        ("de", "de"),
        ("de-AT,de;q=0.9,en;q=0.5", "de"),
        ("fr-CH, fr;q=0.9, de;q=0.8, en;q=0.7", "de"),
        ("en-GB,en;q=0.9,de;q=0.8", "en"),
        ("de;q=0.2, en;q=0.8", "en"),
        ("fr, *;q=0.1", "en"),
        ("de;q=0, en", "en"),
        ("DE_de", "de"),
        ("de;q=banana", "en"),
    ],
)
def test_the_browsers_best_supported_language_is_chosen(header: str | None, chosen: str) -> None:
    assert negotiate(header) == chosen


def test_a_translator_falls_back_to_english_and_merges_the_domains() -> None:
    german = translator("de")
    assert german.locale == "de" and german.gettext("Discover") == "Entdecken"
    assert german.ngettext("%(num)d try", "%(num)d tries", 2) % {"num": 2} == "2 Versuche"
    assert german.gettext("a text nobody translated") == "a text nobody translated"
    assert translator("xx").locale == "en" and translator(None).gettext("Discover") == "Discover"
    assert german.gettext("") == ""


def test_a_missing_or_stale_compiled_catalogue_is_compiled_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "web.po"
    po.write_text(_PO_HEAD + 'msgid "Discover"\nmsgstr "Entdecken"\n')
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    assert i18n._load("de", "web").gettext("Discover") == "Entdecken"  # type: ignore[union-attr]
    mo = po.with_suffix(".mo")
    assert mo.exists()
    # An edited translation is newer than its compiled copy: compiled again.
    po.write_text(_PO_HEAD + 'msgid "Discover"\nmsgstr "Stöbern"\n')
    os.utime(mo, (po.stat().st_mtime - 10, po.stat().st_mtime - 10))
    assert i18n._load("de", "web").gettext("Discover") == "Stöbern"  # type: ignore[union-attr]
    # A tree it may not write to (an installed package): compiled in memory all the same.
    os.utime(mo, (po.stat().st_mtime - 10, po.stat().st_mtime - 10))

    def read_only(path: Path, data: bytes) -> None:
        raise PermissionError(path)

    monkeypatch.setattr(i18n, "write_atomically", read_only)
    po.write_text(_PO_HEAD + 'msgid "Discover"\nmsgstr "Entdecken"\n')
    assert i18n._load("de", "web").gettext("Discover") == "Entdecken"  # type: ignore[union-attr]
    assert i18n._load("de", "bot") is None


_PO_HEAD = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n"Language: de\\n"\n\n'
