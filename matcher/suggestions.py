"""Suggestions: other people ranked by the interests they share with you."""

from __future__ import annotations

from dataclasses import dataclass

from domain import validation
from domain.context import Kindred
from domain.errors import KindredError
from matcher.ranking import idf
from store import interests, suggestions, users
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
        raise KindredError("invalid_parameter", "'limit' must be a whole number.", "limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise KindredError("invalid_parameter", f"'limit' must be 1 to {MAX_LIMIT}.", "limit")
    return limit


async def suggest(
    ctx: Kindred, viewer: User, interest: object = None, limit: int = 20
) -> list[Suggestion]:
    wanted = validation.interest(interest) if interest not in (None, "") else None
    async with ctx.db.read() as conn:
        held = await interests.for_user(conn, viewer.id)
        population = await users.count_active(conn)
        only_id = await interests.get_id(conn, wanted) if wanted else None
        if wanted and only_id is None:
            return []
        weights = {h.id: idf(population, h.user_count) for h in held}
        found = await suggestions.score_candidates(conn, viewer.id, weights, only_id, limit)
    names = {h.id: h.name for h in held}
    return [
        Suggestion(
            c.username,
            c.display_name,
            c.bio,
            sorted(names[i] for i in c.shared_ids),
            round(c.score, 4),
        )
        for c in found
    ]
