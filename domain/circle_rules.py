"""The rules of circles that need no database: what a name, a description
and a member cap may be, who outranks whom, and a circle's address (slug)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from config.i18n import N_
from domain.errors import KindredError
from domain.validation import has_control_characters, has_format_characters

MIN_NAME, MAX_NAME = 3, 60
MAX_DESCRIPTION = 500
MIN_CAP, MAX_CAP = 2, 10_000
# A circle nobody capped holds as many as any circle may.
DEFAULT_CAP = MAX_CAP
MEMBERS_PAGE = 50
CIRCLES_PAGE = 20

OWNER, MODERATOR, MEMBER = "owner", "moderator", "member"
_RANK = {MEMBER: 0, MODERATOR: 1, OWNER: 2}
# What owners and moderators may do to a member, by what the API calls it.
REMOVE, BAN, UNBAN, PROMOTE, DEMOTE = "remove", "ban", "unban", "promote", "demote"
ACTIONS = (REMOVE, BAN, UNBAN, PROMOTE, DEMOTE)
# Actions that change roles: owners only, as only they outrank moderators.
OWNER_ACTIONS = (PROMOTE, DEMOTE)

_SPACES = re.compile(r"\s+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 48


def _text(value: Any, field: str, allow_newlines: bool = False) -> str:
    if not isinstance(value, str):
        raise KindredError("field_type", N_("'%(field)s' must be a string."), field, params={"field": field})
    if has_control_characters(value, allow_newlines):
        raise KindredError("control_characters", field=field)
    return value


def name(value: Any) -> str:
    """Spaces collapsed and trimmed; 3 to 60 characters, nothing invisible."""
    text = _SPACES.sub(" ", _text(value, "name")).strip()
    if has_format_characters(text):
        raise KindredError("format_characters", field="name")
    if not MIN_NAME <= len(text) <= MAX_NAME:
        raise KindredError("circle_name_invalid", field="name")
    return text


def name_key(text: str) -> str:
    """What makes two names the same circle: case-folded, compatibility-normalised."""
    return unicodedata.normalize("NFKC", text).casefold()


def description(value: Any) -> str:
    if value is None:
        return ""
    text = _text(value, "description", allow_newlines=True).strip()
    if len(text) > MAX_DESCRIPTION:
        raise KindredError("circle_description_too_long", field="description")
    return text


def member_cap(value: Any) -> int:
    # bool is an int in Python; true is not a cap.
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_CAP <= value <= MAX_CAP:
        raise KindredError("circle_cap_invalid", field="member_cap")
    return value


def slug_base(text: str) -> str:
    """The readable part of a circle's address: ASCII letters and digits
    joined by hyphens ("Café Esperanto" -> "cafe-esperanto")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    base = _NOT_SLUG.sub("-", ascii_text).strip("-")[:_MAX_SLUG].strip("-")
    return base or "circle"


def outranks(actor_role: str, target_role: str) -> bool:
    return _RANK[actor_role] > _RANK[target_role]


def is_staff(role: str) -> bool:
    return role in (OWNER, MODERATOR)


def promoted(role: str) -> str | None:
    return {MEMBER: MODERATOR, MODERATOR: OWNER}.get(role)


def demoted(role: str) -> str | None:
    return {OWNER: MODERATOR, MODERATOR: MEMBER}.get(role)


def page_number(value: object) -> int:
    """A ``page`` query parameter: 1 when absent."""
    if value is None or value == "":
        return 1
    try:
        page = int(str(value))
    except ValueError:
        raise KindredError("invalid_parameter", N_("'page' must be a whole number."), "page") from None
    if not 1 <= page <= 10_000:
        raise KindredError("invalid_parameter", N_("'page' must be 1 to 10000."), "page")
    return page
