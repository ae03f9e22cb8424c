"""Conversation starters drawn from what two people share.

Each room gets a different one each time it asks (never the one it got just
before); the memory of the last pick is bounded, so a busy bot stays flat.
The questions are chosen in English and asked in the room's language.
"""

from __future__ import annotations

import collections
import random

from config.i18n import N_, Translator

_ABOUT = [
    N_("What first got you into %(interest)s?"),
    N_("What's the best thing that ever happened to you because of %(interest)s?"),
    N_("If you could spend a whole day on %(interest)s, how would it go?"),
    N_("What's an underrated corner of %(interest)s the other person should try?"),
    N_("Who got you into %(interest)s, and are they still into it?"),
    N_("What's the most memorable mistake you've made with %(interest)s?"),
    N_("What would you tell someone just starting out with %(interest)s?"),
]
_GENERAL = [
    N_("What's something you've changed your mind about recently?"),
    N_("What's a small thing that made your week better?"),
    N_("What are you looking forward to this month?"),
    N_("What's a skill you'd love to pick up, and why?"),
]
_REMEMBERED_ROOMS = 2048


class Icebreakers:
    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()
        self._last: collections.OrderedDict[str, tuple[str, str]] = collections.OrderedDict()

    def pick(self, room_id: str, shared: list[str], t: Translator) -> str:
        # (question, interest) pairs, so "never the same twice" holds whatever the language.
        choices = [(q, name) for name in shared for q in _ABOUT] or [(q, "") for q in _GENERAL]
        last = self._last.pop(room_id, None)
        fresh = [c for c in choices if c != last] or choices
        chosen = self._rng.choice(fresh)
        self._last[room_id] = chosen
        if len(self._last) > _REMEMBERED_ROOMS:
            self._last.popitem(last=False)
        question, interest = chosen
        return t.gettext(question) % {"interest": interest} if interest else t.gettext(question)
