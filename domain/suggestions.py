"""Suggestions: other people ranked by the interests they share with you.

The ranking is the reference's (domain.ranking): each shared interest weighs
ln(1 + N / n); highest sum first, then more shared interests, then username.
Finding the top without scoring everyone who shares a popular interest:
people are reached through the viewer's rarest interests first (the
``sources``); anyone not reached can score at most the summed weights of the
interests left out (``rest``). When the last of the top scores more than that,
nobody left out can rank and the answer is exact; otherwise the next pass
takes in enough further interests to make it so.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.i18n import N_
from domain import validation
from domain.context import Kindred
from domain.errors import KindredError
from domain.ranking import idf
from store import interests, suggestions, users
from store.connection import Connection
from store.interests import HeldInterest
from store.suggestions import Candidate
from store.users import User

MAX_LIMIT = 100
# Holders of the first sources a pass walks; more costs an index scan, fewer
# risks a floor too low to prove and a second pass.
FIRST_PASS_ROWS = 2000
# People scored up front to set the floor the others must reach: in the
# estimate, and again in the pass.
ESTIMATE_PROBE = 100
PROBE = 100
# A filter on an interest this rare is cheapest read whole.
DIRECT_FILTER_ROWS = 5000
# Fixed point for weights (2**-40 is far below any real difference in
# score), and room below it to count shared interests (at most 30).
SCALE = 1 << 40
_COUNT_BITS = 6


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
    async with ctx.db.read() as conn:
        held = await interests.for_user(conn, viewer.id)
        if not held:
            return []
        only: HeldInterest | None = None
        if wanted:
            only = await suggestions.interest_named(conn, wanted)
            if only is None:
                return []
        population = await suggestions.population(conn)
        found = await _top(conn, viewer.id, held, population, only, limit)
        people = await users.get_many(conn, [c.user_id for c in found])
    names = {h.id: h.name for h in held}
    return [
        Suggestion(
            people[c.user_id].username,
            people[c.user_id].display_name,
            people[c.user_id].bio,
            sorted(names[i] for i in c.shared_ids),
            round((c.total >> _COUNT_BITS) / SCALE, 4),
        )
        for c in found
    ]


def packed_weight(population: int, holders: int) -> int:
    """An interest's weight as SQL sums it: the IDF in fixed point, shifted
    left with a 1 in the low bits, so a total orders by score, then by how
    many interests are shared, and integer sums tie exactly."""
    return (round(idf(population, holders) * SCALE) << _COUNT_BITS) + 1


async def _top(
    conn: Connection,
    viewer_id: int,
    held: list[HeldInterest],
    population: int,
    only: HeldInterest | None,
    limit: int,
) -> list[Candidate]:
    # Rarest first: the heaviest weights and the shortest lists.
    order = sorted(held, key=lambda h: (h.user_count, h.id))
    weights = [(h.id, packed_weight(population, h.user_count)) for h in order]
    # rest[j]: the most anyone can total from order[j:].
    rest = [0] * (len(order) + 1)
    for j in range(len(order) - 1, -1, -1):
        rest[j] = rest[j + 1] + weights[j][1]

    only_id = only.id if only else None
    if only is not None and only.user_count <= DIRECT_FILTER_ROWS:
        # Everyone the filter allows is reached through it: nobody is left out.
        return await suggestions.score_pass(conn, viewer_id, weights, 0, only_id, limit, PROBE)
    first = _first_pass_size(order)
    if first == len(order):
        # Every list is short: one pass reaches everyone who shares anything.
        return await suggestions.score_pass(conn, viewer_id, weights, first, only_id, limit, PROBE)
    # A floor the last place will reach, from a few of the rarest interests...
    floor = await suggestions.floor_estimate(conn, viewer_id, weights, first, only_id, limit, ESTIMATE_PROBE)
    # ...then enough sources that nobody left out of them can reach it: all
    # of the top hold at least one, and the pass is exact.
    taken = next((j for j in range(1, len(order) + 1) if rest[j] < floor), len(order))
    if floor == 0:
        taken = len(order)
    # Through the same sources the estimate's floor cannot rise: skip redoing it.
    probe = PROBE if taken > first else 0
    return await suggestions.score_pass(conn, viewer_id, weights, taken, only_id, limit, probe, floor)


def _first_pass_size(order: list[HeldInterest]) -> int:
    """The rarest interests whose holders add up to at most FIRST_PASS_ROWS (at least one)."""
    rows = 0
    for taken, held in enumerate(order):
        rows += held.user_count
        if rows > FIRST_PASS_ROWS:
            return max(1, taken)
    return len(order)
