"""Conversation starters drawn from what two people share.

Each room gets a different one each time it asks (never the one it got just
before); the memory of the last pick is bounded, so a busy bot stays flat.
"""

from __future__ import annotations

import collections
import random

_ABOUT = [
    "What first got you into {0}?",
    "What's the best thing that ever happened to you because of {0}?",
    "If you could spend a whole day on {0}, how would it go?",
    "What's an underrated corner of {0} the other person should try?",
    "Who got you into {0}, and are they still into it?",
    "What's the most memorable mistake you've made with {0}?",
    "What would you tell someone just starting out with {0}?",
]
_GENERAL = [
    "What's something you've changed your mind about recently?",
    "What's a small thing that made your week better?",
    "What are you looking forward to this month?",
    "What's a skill you'd love to pick up, and why?",
]
_REMEMBERED_ROOMS = 2048


class Icebreakers:
    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()
        self._last: collections.OrderedDict[str, str] = collections.OrderedDict()

    def pick(self, room_id: str, shared: list[str]) -> str:
        choices = [t.format(name) for name in shared for t in _ABOUT] or list(_GENERAL)
        last = self._last.pop(room_id, None)
        fresh = [c for c in choices if c != last] or choices
        chosen = self._rng.choice(fresh)
        self._last[room_id] = chosen
        if len(self._last) > _REMEMBERED_ROOMS:
            self._last.popitem(last=False)
        return chosen
