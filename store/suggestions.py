"""Candidate scoring in SQL: walk the interest -> people index for the
viewer's interests and sum each candidate's weights, so the work grows with
the people who share something, never with everyone in the database."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite


@dataclass(frozen=True)
class Candidate:
    user_id: int
    username: str
    display_name: str
    bio: str
    score: float
    shared_ids: tuple[int, ...]


async def score_candidates(
    conn: aiosqlite.Connection,
    viewer_id: int,
    weights: dict[int, float],
    only_interest_id: int | None,
    limit: int,
) -> list[Candidate]:
    if not weights:
        return []
    values = ",".join("(?, ?)" for _ in weights)
    params: list[object] = [x for pair in weights.items() for x in pair]
    sql = (
        f"WITH w (interest_id, weight) AS (VALUES {values}),"
        " scored AS ("
        "  SELECT ui.user_id AS user_id, SUM(w.weight) AS score,"
        "         group_concat(ui.interest_id) AS shared_ids, COUNT(*) AS shared_count"
        "  FROM w JOIN user_interests ui ON ui.interest_id = w.interest_id"
        "  WHERE ui.user_id <> ?"
    )
    params.append(viewer_id)
    if only_interest_id is not None:
        sql += (
            " AND ui.user_id IN (SELECT user_id FROM user_interests WHERE interest_id = ?)"
        )
        params.append(only_interest_id)
    sql += (
        "  GROUP BY ui.user_id"
        " )"
        " SELECT u.id, u.username, u.display_name, u.bio, s.score, s.shared_ids"
        " FROM scored s JOIN users u ON u.id = s.user_id"
        " WHERE u.status = 'active'"
        # Not anyone we are already talking to or waiting on, nor anyone
        # blocked from us (by either side).
        "  AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.status = 'pending'"
        "       AND r.user_low = min(u.id, ?) AND r.user_high = max(u.id, ?))"
        "  AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.status <> 'closed'"
        "       AND m.user_low = min(u.id, ?) AND m.user_high = max(u.id, ?))"
        "  AND NOT EXISTS (SELECT 1 FROM blocks b"
        "       WHERE b.user_low = min(u.id, ?) AND b.user_high = max(u.id, ?))"
        " ORDER BY s.score DESC, s.shared_count DESC, u.username"
        " LIMIT ?"
    )
    params.extend([viewer_id] * 6)
    params.append(limit)
    cursor = await conn.execute(sql, params)
    return [
        Candidate(
            row[0], row[1], row[2], row[3], float(row[4]),
            tuple(int(x) for x in str(row[5]).split(",")),
        )
        for row in await cursor.fetchall()
    ]
