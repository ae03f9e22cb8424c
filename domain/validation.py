"""Normalisation and limits for everything people type."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from config.i18n import N_
from domain.errors import KindredError

MAX_INTERESTS = 30
MAX_INTEREST_LENGTH = 40
MAX_BIO = 500
MAX_NOTE = 500
MAX_DISPLAY_NAME = 64
MIN_PASSWORD, MAX_PASSWORD = 10, 128
MAX_EMAIL = 254

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._\-]{1,31}$")
_SPACES = re.compile(r"\s+")


def has_control_characters(text: str, allow_newlines: bool = False) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in text)


_ZWNJ, _ZWJ = "\u200c", "\u200d"


def has_format_characters(text: str) -> bool:
    """Invisible and direction-changing characters (Unicode category Cf:
    U+200B, U+202E, U+2066, ...): in a name they hide or reorder what others
    read, so one name can pass for another.

    The two joiners are kept where writing needs them: inside a word (Persian
    and Indic scripts) and, for the zero-width joiner, inside an emoji
    sequence such as a family. Anywhere else they are refused too.
    """
    for index, ch in enumerate(text):
        if unicodedata.category(ch) != "Cf":
            continue
        if ch in (_ZWNJ, _ZWJ) and _joins(text, index, emoji=ch == _ZWJ):
            continue
        return True
    return False


def _joins(text: str, index: int, emoji: bool) -> bool:
    if index == 0 or index == len(text) - 1:
        return False
    before = unicodedata.category(text[index - 1])[0]
    after = unicodedata.category(text[index + 1])[0]
    allowed = ("L", "M", "S") if emoji else ("L", "M")
    return before in allowed and after in allowed


def _text(value: Any, field: str, allow_newlines: bool = False) -> str:
    if not isinstance(value, str):
        raise KindredError("field_type", N_("'%(field)s' must be a string."), field, params={"field": field})
    if has_control_characters(value, allow_newlines):
        raise KindredError("control_characters", field=field)
    return value


def username(value: Any) -> str:
    """Usernames double as Matrix localparts, hence the narrow alphabet."""
    text = _text(value, "username").strip().lower()
    if not _USERNAME.match(text):
        raise KindredError("username_invalid", field="username")
    if text.isdigit():
        # Matrix keeps all-digit localparts for guest accounts: the homeserver
        # would refuse the account after Kindred said yes.
        raise KindredError("username_all_digits", field="username")
    return text


def password(value: Any, username: str | None = None, field: str = "password") -> str:
    """The same rules wherever a password is chosen (signup, change, reset):
    10 to 128 characters, not the username, not a commonly used password."""
    text = _text(value, field)
    if not MIN_PASSWORD <= len(text) <= MAX_PASSWORD:
        raise KindredError("password_invalid", field=field)
    folded = text.strip().casefold()
    if username is not None and username.casefold() in (folded, folded.replace(" ", "")):
        raise KindredError("password_is_username", field=field)
    if folded in _common_passwords():
        raise KindredError("password_common", field=field)
    return text


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 passwords most often found in breaches (zxcvbn's list)."""
    return frozenset(FREQUENCY_LISTS["passwords"])


# Deliberately loose: the code mailed to the address is the real check.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def email(value: Any, field: str = "email") -> str:
    """An address, trimmed and lower-cased (one person, one spelling)."""
    text = _text(value, field).strip().lower()
    if len(text) > MAX_EMAIL or not _EMAIL.match(text) or has_format_characters(text):
        raise KindredError("email_invalid", field=field)
    return text


def display_name(value: Any) -> str:
    text = _text(value, "display_name")
    if has_format_characters(text):
        raise KindredError("format_characters", field="display_name")
    text = _SPACES.sub(" ", text).strip()
    if not 1 <= len(text) <= MAX_DISPLAY_NAME:
        raise KindredError("display_name_invalid", field="display_name")
    return text


def bio(value: Any) -> str:
    text = _text(value, "bio", allow_newlines=True).strip()
    if len(text) > MAX_BIO:
        raise KindredError("bio_too_long", field="bio")
    return text


def note(value: Any) -> str:
    if value is None:
        return ""
    text = _text(value, "note", allow_newlines=True).strip()
    if len(text) > MAX_NOTE:
        raise KindredError("note_too_long", field="note")
    return text


def interest(value: Any, field: str = "interests") -> str:
    """One interest in canonical form: "  Rock  Climbing " -> "rock climbing".

    ``field`` names the input in errors: one of a profile's interests, or a
    single ``interest`` filter.
    """
    text = unicodedata.normalize("NFKC", _text(value, field))
    if has_format_characters(text):
        raise KindredError("format_characters", field=field)
    text = _SPACES.sub(" ", text).strip().casefold()
    if not 1 <= len(text) <= MAX_INTEREST_LENGTH:
        raise KindredError(
            "interest_invalid",
            N_("Each interest is 1 to %(most)s characters."),
            field,
            params={"most": MAX_INTEREST_LENGTH},
        )
    return text


def interests(value: Any) -> list[str]:
    """A de-duplicated list of 1 to 30 canonical interests, in given order."""
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise KindredError("field_type", N_("'interests' must be a list of strings."), "interests")
    seen: dict[str, None] = {}
    for item in value:
        seen.setdefault(interest(item), None)
    if not 1 <= len(seen) <= MAX_INTERESTS:
        raise KindredError("interests_invalid", field="interests")
    return list(seen)
