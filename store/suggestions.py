"""Candidate scoring in SQL, for one pass of the ranking in domain.suggestions.

A pass reads the interest -> people index for the viewer's rarest interests
(the ``sources``) and sums each person's weights from those lists. The other
interests are then checked one at a time, heaviest first, and only for the
people whose sum so far, plus all that the unchecked interests could still
add, can reach the floor: the ``limit``-th best exact total among the
``probe`` people with the highest partial sums. The work grows with the
holders of the viewer's rarer interests, never with everyone.

Weights are integers, so a sum does not depend on the order SQLite adds its
terms in and equal weights tie exactly. They are wider than 32 bits, so every
weight and sum is cast to BIGINT: PostgreSQL would otherwise type a bound
weight as INTEGER and a SUM as NUMERIC (SQLite ignores the casts).

People are looked up one by one (``EXISTS``, scalar subqueries) rather than
joined: a join lets SQLite build a Bloom filter over the whole users table,
which costs more than the few hundred lookups it would save.
"""

from __future__ import annotations

from dataclasses import dataclass

from store.connection import Connection
from store.dialect import comma_list
from store.interests import HeldInterest


@dataclass(frozen=True)
class Candidate:
    user_id: int
    # The sum of the weights of the viewer's interests this person holds.
    total: int
    shared_ids: tuple[int, ...]


async def population(conn: Connection) -> int:
    """How many people are active: N in the IDF weights (kept by triggers)."""
    cursor = await conn.execute("SELECT active FROM population")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def interest_named(conn: Connection, name: str) -> HeldInterest | None:
    cursor = await conn.execute("SELECT id, name, user_count FROM interests WHERE name = ?", (name,))
    row = await cursor.fetchone()
    return HeldInterest(*row) if row else None


async def score_pass(
    conn: Connection,
    viewer_id: int,
    weights: list[tuple[int, int]],
    sources: int,
    only_interest_id: int | None,
    limit: int,
    probe: int,
    floor: int = 0,
) -> list[Candidate]:
    """The best ``limit`` eligible people holding any of the first ``sources``
    of ``weights`` ((interest id, weight), heaviest first), highest total
    first, then by username. Exact for everyone reached through the sources.

    ``sources`` 0 reaches people through ``only_interest_id`` instead, which
    leaves nobody out; otherwise the filter only narrows who is reached.
    ``floor`` is a total the ``limit``-th place is known to reach (from
    ``floor_estimate``); people who cannot reach it are never fully scored.
    """
    if not weights or (sources == 0 and only_interest_id is None):
        return []
    params: dict[str, object] = {
        "viewer": viewer_id,
        "limit": limit,
        "probe": probe,
        "only": only_interest_id,
        "floor": floor,
    }
    weight = _weights(weights, params)
    rest = 0
    for n in range(len(weights) - 1, -1, -1):
        rest += weights[n][1]
        params[f"r{n}"] = rest
    ctes = [
        f"partial AS MATERIALIZED ({_partial(weight, sources, only_interest_id)})",
        "best AS (SELECT user_id FROM partial ORDER BY total DESC LIMIT :probe)",
        # The larger of the known floor and the estimate: max() as an
        # aggregate, which both SQLite and PostgreSQL have.
        "floor (total) AS MATERIALIZED (SELECT max(v) FROM (SELECT CAST(:floor AS BIGINT) AS v"
        f" UNION ALL SELECT COALESCE(({_floor(weight)}), 0)) AS candidates)",
    ]
    previous = "partial"
    for n in range(sources, len(weights)):
        # Drop whoever cannot reach the floor even holding every interest not
        # yet checked, then check the next one for those left. (floor first:
        # SQLite otherwise re-reads it for every row.)
        ctes.append(
            f"step{n} AS MATERIALIZED (SELECT t.user_id AS user_id, t.total + CASE WHEN EXISTS ("
            f" SELECT 1 FROM user_interests x WHERE x.user_id = t.user_id AND x.interest_id = :i{n})"
            f" THEN CAST(:w{n} AS BIGINT) ELSE 0 END AS total"
            f" FROM floor CROSS JOIN {previous} t WHERE t.total + CAST(:r{n} AS BIGINT) >= floor.total)"
        )
        previous = f"step{n}"
    held = ", ".join(f":i{n}" for n in range(len(weights)))
    sql = (
        "WITH " + ", ".join(ctes) + " SELECT t.user_id, t.total,"
        f"  (SELECT {comma_list(conn, 'ui.interest_id')} FROM user_interests ui"
        f"   WHERE ui.user_id = t.user_id AND +ui.interest_id IN ({held})) AS shared_ids"
        f" FROM floor CROSS JOIN {previous} t"
        f" WHERE t.total >= floor.total AND t.total > 0 AND {_eligible('t.user_id')}"
        " ORDER BY t.total DESC, (SELECT username FROM users WHERE id = t.user_id)"
        " LIMIT :limit"
    )
    cursor = await conn.execute(sql, params)
    return [
        Candidate(row[0], int(row[1]), tuple(int(x) for x in str(row[2]).split(","))) for row in await cursor.fetchall()
    ]


async def floor_estimate(
    conn: Connection,
    viewer_id: int,
    weights: list[tuple[int, int]],
    sources: int,
    only_interest_id: int | None,
    limit: int,
    probe: int,
) -> int:
    """A total the ``limit``-th best eligible person is sure to reach: the
    ``limit``-th best exact total among the ``probe`` people with the highest
    sums over the first ``sources`` interests; 0 if too few are found."""
    if not weights or (sources == 0 and only_interest_id is None):
        return 0
    params: dict[str, object] = {"viewer": viewer_id, "limit": limit, "probe": probe, "only": only_interest_id}
    weight = _weights(weights, params)
    sql = (
        f"WITH partial AS MATERIALIZED ({_partial(weight, sources, only_interest_id)}),"
        " best AS (SELECT user_id FROM partial ORDER BY total DESC LIMIT :probe)"
        f" SELECT COALESCE(({_floor(weight)}), 0)"
    )
    cursor = await conn.execute(sql, params)
    row = await cursor.fetchone()
    return int(row[0]) if row else 0


def _weights(weights: list[tuple[int, int]], params: dict[str, object]) -> str:
    """Bind the weights; return a CASE giving an interest row's weight."""
    for n, (interest_id, weight) in enumerate(weights):
        params[f"i{n}"], params[f"w{n}"] = interest_id, weight
    return (
        "CASE ui.interest_id "
        + " ".join(f"WHEN :i{n} THEN CAST(:w{n} AS BIGINT)" for n in range(len(weights)))
        + " ELSE 0 END"
    )


def _floor(weight: str) -> str:
    """The ``limit``-th best exact total among the eligible people in ``best``."""
    return (
        f"SELECT (SELECT CAST(SUM({weight}) AS BIGINT) FROM user_interests ui WHERE ui.user_id = b.user_id) AS total"
        f" FROM best b WHERE {_eligible('b.user_id')}"
        " ORDER BY total DESC LIMIT 1 OFFSET :limit - 1"
    )


def _partial(weight: str, sources: int, only_interest_id: int | None) -> str:
    """Everyone reached, with the weights of the sources they hold."""
    if sources == 0:
        # Reached through the filter interest alone: everyone it allows.
        return (
            "SELECT ui.user_id AS user_id, CAST(0 AS BIGINT) AS total FROM user_interests ui"
            " WHERE ui.interest_id = :only AND ui.user_id <> :viewer"
        )
    source_list = ", ".join(f":i{n}" for n in range(sources))
    sql = (
        f"SELECT ui.user_id AS user_id, CAST(SUM({weight}) AS BIGINT) AS total FROM user_interests ui"
        f" WHERE ui.interest_id IN ({source_list}) AND ui.user_id <> :viewer"
    )
    if only_interest_id is not None:
        sql += " AND EXISTS (SELECT 1 FROM user_interests f  WHERE f.user_id = ui.user_id AND f.interest_id = :only)"
    return sql + " GROUP BY ui.user_id"


def _eligible(user_id: str) -> str:
    """Active, neither waiting on nor talking to the viewer, and not blocked
    from them (by either side)."""
    # The pair in canonical order; CASE rather than SQLite's two-argument
    # min() and max(), which PostgreSQL lacks.
    low = f"CASE WHEN {user_id} < :viewer THEN {user_id} ELSE :viewer END"
    high = f"CASE WHEN {user_id} < :viewer THEN :viewer ELSE {user_id} END"
    return (
        f"EXISTS (SELECT 1 FROM users u WHERE u.id = {user_id} AND u.status = 'active')"
        " AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.status = 'pending'"
        f"  AND r.user_low = {low} AND r.user_high = {high})"
        " AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.status <> 'closed'"
        f"  AND m.user_low = {low} AND m.user_high = {high})"
        # Not "b": callers may name their own table b (PostgreSQL, unlike
        # SQLite, would not look past this one for b.user_id).
        f" AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.user_low = {low} AND bl.user_high = {high})"
    )
