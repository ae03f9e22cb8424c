"""Where to go after logging in: only a path on this site.

A ``next`` value is read the way a browser would read it before deciding
where it points: tabs and newlines removed, leading and trailing spaces and
control characters dropped, backslashes taken as slashes, percent-escapes in
the path undone (repeatedly, so a double-encoded ``%252F`` cannot hide a
slash; an escaped control character refuses the link), and ``.``/``..`` segments resolved. Only what is then an absolute
path on this site (``/x``, never ``//host`` or ``scheme:``) is accepted, and
it is sent back re-encoded from that checked form, so what the browser
follows is exactly what was checked.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from yarl import URL

# Browsers remove these anywhere in a URL before parsing it.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
# ...and strip these from both ends.
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Deeper than this is no honest link.
_DECODE_ROUNDS = 5
# Kept as they are in the re-encoded path; everything else is escaped.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def safe_next(value: str | None) -> str | None:
    """The same-site path ``value`` leads to, ready for a Location header; None if it leads anywhere else."""
    if not value:
        return None
    text = _browser_clean(value)
    cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=len(text))
    path = _decoded(text[:cut])
    rest = text[cut:]
    # A control character that was escaped (%09, %00) has no place in a link.
    if path is None or _CONTROL.search(path) or _CONTROL.search(rest):
        return None
    path = _remove_dot_segments(path.replace("\\", "/"))
    if not path.startswith("/") or path.startswith("//"):
        return None
    try:
        location = str(URL(quote(path, safe=_PATH_SAFE) + rest))
    except ValueError:  # yarl refuses it: so do we
        return None
    # What aiohttp will put in the header (it passes the value through yarl):
    # still a bare path on this site.
    if not location.startswith("/") or location.startswith("//"):
        return None
    return location


def _browser_clean(text: str) -> str:
    return _TAB_OR_NEWLINE.sub("", text).strip(_C0_OR_SPACE).replace("\\", "/")


def _decoded(path: str) -> str | None:
    for _ in range(_DECODE_ROUNDS):
        plain = unquote(path)
        if plain == path:
            return plain
        path = plain
    return None


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, as a browser resolves ``/a/../b``."""
    out: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    return "/".join(out)
