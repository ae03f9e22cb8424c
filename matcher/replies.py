"""What the bot says, built once in two forms: a plain ``body`` and an HTML
``formatted_body``. Every piece of text goes through ``html.escape`` on the
way into the HTML, so names, notes and interests people typed can never
become markup."""

from __future__ import annotations

import html


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

    def line(self) -> Reply:
        self._plain.append("\n")
        self._html.append("<br>")
        return self

    def item(self) -> Reply:
        """Start a line of a list."""
        return self.line().text("• ")

    def person(self, display_name: str, username: str) -> Reply:
        return self.bold(display_name).text(f" (@{username})")

    def interests(self, names: list[str], none: str = "nothing yet") -> Reply:
        if not names:
            return self.text(none)
        for n, name in enumerate(names):
            if n:
                self.text(", ")
            self.bold(name)
        return self
