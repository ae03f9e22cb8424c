"""Access tokens whose signature has been checked, so it is checked once per
token rather than once per request (the check was a tenth of a small
request's time).

Only what the signed token itself says is kept: whose it is, the session
epoch it carries and when it expires. Whether that person may still act (not
suspended, not deleted, the epoch still current) is read from the store on
every request, so a suspension or a new password takes effect at once.
"""

from __future__ import annotations

import time

# Enough for every token in use on a busy instance; the oldest go first.
_LIMIT = 10_000


class VerifiedTokens:
    def __init__(self, limit: int = _LIMIT) -> None:
        self._limit = limit
        # token -> (user id, session epoch, expiry as a Unix time); dicts keep insertion order.
        self._claims: dict[str, tuple[int, int, float]] = {}

    def get(self, token: str) -> tuple[int, int] | None:
        """(user id, session epoch) of a token checked before and not expired since."""
        found = self._claims.get(token)
        if found is None:
            return None
        if found[2] <= time.time():
            del self._claims[token]
            return None
        return found[0], found[1]

    def put(self, token: str, user_id: int, epoch: int, expires: float) -> None:
        if len(self._claims) >= self._limit:
            del self._claims[next(iter(self._claims))]
        self._claims[token] = (user_id, epoch, expires)
