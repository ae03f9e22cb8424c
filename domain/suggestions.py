"""Suggestions: other people ranked by the interests they share with you.

The ranking is the reference's (domain.ranking): each shared interest weighs
ln(1 + N / n); highest sum first, then more shared interests, then username.
It runs on this process's index of interests (domain.interest_index), brought
up to the store's latest change first; who may not be shown to the viewer (a
pending request, an open match, a block) is read from the store each time.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.i18n import N_
from domain import validation
from domain.context import Kindred
from domain.errors import KindredError
from domain.ranking import score_of
from store import suggestions, users
from store.users import User

MAX_LIMIT = 100


@dataclass(frozen=True)
class Suggestion:
    username: str
    display_name: str
    bio: str
    shared_interests: list[str]
    score: float


def parse_limit(value: object, default: int = 20) -> int:
    if value is None or value == "":
        return default
    try:
        limit = int(str(value))
    except ValueError:
        raise KindredError("invalid_parameter", N_("'limit' must be a whole number."), "limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise KindredError(
            "invalid_parameter", N_("'limit' must be 1 to %(most)s."), "limit", params={"most": MAX_LIMIT}
        )
    return limit


async def suggest(ctx: Kindred, viewer: User, interest: object = None, limit: int = 20) -> list[Suggestion]:
    wanted = validation.interest(interest, "interest") if interest not in (None, "") else None
    index = ctx.ranking
    async with ctx.db.lookup() as conn:
        now, away = await suggestions.clock_and_partners(conn, viewer.id)
    # Not while holding a connection: catching up reads on connections of its own.
    await index.refresh(ctx.db, now)
    only: int | None = None
    if wanted:
        only = index.interest_id(wanted)
        if only is None:
            return []
    found = index.rank(viewer.id, away, only, limit)
    if not found:
        return []
    async with ctx.db.lookup() as conn:
        people = await users.get_many(conn, [r.user_id for r in found])
    return [
        Suggestion(
            people[r.user_id].username,
            people[r.user_id].display_name,
            people[r.user_id].bio,
            sorted(index.interest_name(i) for i in r.shared_ids),
            score_of(r.total),
        )
        for r in found
        # Removed since the index last looked: gone from the answer too.
        if r.user_id in people
    ]
