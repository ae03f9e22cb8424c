"""Extract, update and compile the message catalogues (``python -m config.i18n_catalogues``).

``extract``  writes ``config/translations/<domain>.pot`` from the code and
             merges it into every language's ``.po`` (new texts arrive empty,
             changed ones fuzzy, for a translator to finish);
``compile``  writes every ``.mo`` (``make install`` runs it);
``init LANG`` starts a new language's catalogues from the templates.

Which folders feed which domain is written here; how files are read (Python,
Jinja templates) is in ``babel.cfg`` at the top of the source tree, which
``pybabel`` reads too.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from config.i18n import DOMAINS, TRANSLATIONS, compile_po, write_atomically

ROOT = Path(__file__).resolve().parent.parent
# Folders below the source root whose texts belong to each domain.
SOURCES: dict[str, tuple[str, ...]] = {
    "web": ("web", "domain"),
    "bot": ("matcher", "config/templates/mail"),
}
_MAPPING = ROOT / "babel.cfg"
# The mapping as babel.cfg says, for an install that has no babel.cfg beside it.
_FALLBACK_MAPPING = (
    "[python: **.py]\n[jinja2: **.html]\ntrimmed = true\n[jinja2: **.txt]\ntrimmed = true\nautoescape = false\n"
)


def _mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    text = _MAPPING.read_text() if _MAPPING.exists() else _FALLBACK_MAPPING
    method_map, options_map = parse_mapping_cfg(io.StringIO(text))  # type: ignore[no-untyped-call]
    return list(method_map), dict(options_map)


def extract(domain: str) -> Catalog:
    """Every text the code of ``domain`` marks for translation, with where it is used."""
    method_map, options_map = _mapping()
    catalogue = Catalog(project="Kindred", domain=domain)
    for folder in SOURCES[domain]:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map, options_map, comment_tags=("Translators:",), strip_comment_tags=True
        ):
            catalogue.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalogue


def po_path(locale: str, domain: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po"


def locales() -> list[str]:
    """Every language with a catalogue (English, the source, has none)."""
    return sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir())


def _write(catalogue: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        write_po(out, catalogue, width=100, sort_output=False, omit_header=False)


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def update(domains: tuple[str, ...] = DOMAINS) -> Iterator[Path]:
    for domain in domains:
        template = extract(domain)
        _write(template, TRANSLATIONS / f"{domain}.pot")
        for locale in locales():
            path = po_path(locale, domain)
            catalogue = _read(path, locale) if path.exists() else Catalog(locale=locale, domain=domain)
            catalogue.update(template, no_fuzzy_matching=False)
            _write(catalogue, path)
            yield path


def init(locale: str) -> Iterator[Path]:
    for domain in DOMAINS:
        path = po_path(locale, domain)
        if path.exists():
            continue
        catalogue = Catalog(locale=locale, domain=domain, project="Kindred")
        catalogue.update(extract(domain))
        _write(catalogue, path)
        yield path


def compile_all() -> Iterator[Path]:
    for locale in locales():
        for domain in DOMAINS:
            po = po_path(locale, domain)
            if po.exists():
                write_atomically(po.with_suffix(".mo"), compile_po(po))
                yield po.with_suffix(".mo")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m config.i18n_catalogues", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    extracting = commands.add_parser("extract", help="extract texts and merge them into every catalogue")
    extracting.add_argument("--domain", choices=DOMAINS, help="only this domain (default: all)")
    commands.add_parser("compile", help="compile every catalogue to .mo")
    start = commands.add_parser("init", help="start the catalogues of a new language")
    start.add_argument("locale")
    args = parser.parse_args(argv)
    if args.command == "extract":
        done = update((args.domain,) if args.domain else DOMAINS)
    elif args.command == "compile":
        done = compile_all()
    else:
        done = init(args.locale)
    for path in done:
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
