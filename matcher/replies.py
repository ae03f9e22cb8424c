"""What the bot says, built once in two forms: a plain ``body`` and an HTML
``formatted_body``. Every piece of text goes through ``html.escape`` on the
way into the HTML, so names, notes and interests people typed can never
become markup.

Sentences are translated whole, with ``%(name)s`` slots that ``fill`` puts
pieces into (a bold name, a command): word order is the language's, not
English's."""

from __future__ import annotations

import html
import re

# A named placeholder, or the escaped percent sign ``%%``.
_SLOT = re.compile(r"%\((\w+)\)s|%%")


class Reply:
    def __init__(self, text: str = "") -> None:
        self._plain: list[str] = []
        self._html: list[str] = []
        if text:
            self.text(text)

    @property
    def body(self) -> str:
        return "".join(self._plain)

    @property
    def formatted(self) -> str:
        return "".join(self._html)

    def append(self, other: Reply) -> Reply:
        self._plain.extend(other._plain)
        self._html.extend(other._html)
        return self

    def text(self, text: str) -> Reply:
        self._plain.append(text)
        self._html.append(html.escape(text, quote=True))
        return self

    def bold(self, text: str) -> Reply:
        self._plain.append(text)
        self._html.append(f"<b>{html.escape(text, quote=True)}</b>")
        return self

    def code(self, text: str) -> Reply:
        self._plain.append(text)
        self._html.append(f"<code>{html.escape(text, quote=True)}</code>")
        return self

    def quote(self, text: str) -> Reply:
        self._plain.append(f"“{text}”")
        self._html.append(f"<blockquote>{html.escape(text, quote=True)}</blockquote>")
        return self

    def link(self, url: str, label: str | None = None) -> Reply:
        self._plain.append(f"{label} ({url})" if label else url)
        href, text = html.escape(url, quote=True), html.escape(label or url, quote=True)
        self._html.append(f'<a href="{href}">{text}</a>')
        return self

    def fill(self, template: str, **parts: Reply | str) -> Reply:
        """Append a translated sentence, each ``%(slot)s`` replaced by its part
        (a Reply keeps its formatting, a string is plain text)."""
        at = 0
        for slot in _SLOT.finditer(template):
            self.text(template[at : slot.start()])
            part = parts[slot.group(1)] if slot.group(1) else "%"
            if isinstance(part, Reply):
                self.append(part)
            else:
                self.text(part)
            at = slot.end()
        return self.text(template[at:])

    def line(self) -> Reply:
        self._plain.append("\n")
        self._html.append("<br>")
        return self

    def item(self) -> Reply:
        """Start a line of a list."""
        return self.line().text("• ")

    def person(self, display_name: str, username: str) -> Reply:
        return self.bold(display_name).text(f" (@{username})")

    def interests(self, names: list[str], none: str) -> Reply:
        if not names:
            return self.text(none)
        for n, name in enumerate(names):
            if n:
                self.text(", ")
            self.bold(name)
        return self
