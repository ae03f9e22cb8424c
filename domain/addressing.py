"""Whose language the bot and the mails write in.

What goes to one person (a reply in their direct room, a notice, a mail) is
in their language: the one chosen on their Profile, else the one their
browser asked for when they last signed up or logged in (the bot has no
browser to ask), else English. What goes into a match room is read
by both: it is in their language when they share one, otherwise in English,
the language Kindred falls back to everywhere, rather than in the language
of whichever of the two happens to act.
"""

from __future__ import annotations

from config.i18n import DEFAULT, Translator, translator
from domain.languages import written_language
from store.users import User


def for_person(user: User | None) -> Translator:
    return translator(written_language(user))


def for_people(*people: User) -> Translator:
    """The language the people in one room share, else the default."""
    languages = {for_person(person).locale for person in people}
    return translator(languages.pop() if len(languages) == 1 else DEFAULT)
