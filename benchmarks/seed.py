"""A population of people seeded straight into Kindred's database.

No Matrix accounts: the suggestions benchmark measures matching, and a
homeserver account per person would only make seeding take hours. The
schema comes from Kindred's own migrations; only the rows are bulk-loaded.

Interest popularity follows a Zipf-like law (the r-th most popular interest
is drawn with weight 1 / r**s), so a few interests are held by a large share
of everyone and most by a few dozen people, as on any real site.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import random
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from store.database import Database

# A placeholder, not a hash: seeded people never log in with a password
# (the benchmarks mint their access tokens directly).
_NO_PASSWORD = "seeded:no-password"
_CREATED_AT = "2025-01-01T00:00:00.000+00:00"


@dataclass(frozen=True)
class Population:
    users: int
    vocabulary: int = 2000
    min_interests: int = 5
    max_interests: int = 15
    zipf_s: float = 1.0
    seed: int = 1
    # Share of people whose signup is still pending (no interests, not
    # findable) and of people with an open request or match, so the
    # filters the ranking applies have something to filter.
    pending_share: float = 0.01
    requests_share: float = 0.02


@dataclass(frozen=True)
class Seeded:
    path: Path
    users: int
    active_ids: list[int]
    links: int
    seconds: float
    bytes: int


def interest_name(rank: int) -> str:
    return f"topic {rank:05d}"


def username(user_id: int) -> str:
    return f"p{user_id:08d}"


def _sampler(population: Population) -> tuple[list[float], random.Random]:
    weights = [1.0 / (rank**population.zipf_s) for rank in range(1, population.vocabulary + 1)]
    return list(itertools.accumulate(weights)), random.Random(population.seed)


def _interests_of(rng: random.Random, cumulative: list[float], count: int) -> list[int]:
    """``count`` distinct interest ids (1-based popularity ranks)."""
    total = cumulative[-1]
    chosen: set[int] = set()
    while len(chosen) < count:
        chosen.add(bisect.bisect_right(cumulative, rng.random() * total) + 1)
    return sorted(chosen)


async def _create_schema(path: Path) -> None:
    db = Database(path)
    await db.open()
    await db.close()


def _secondary_indexes(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('users', 'user_interests')"
    ).fetchall()
    return [(name, sql) for name, sql in rows]


def seed(path: Path, population: Population) -> Seeded:
    """Create the database at ``path`` and fill it; returns what was made."""
    started = time.perf_counter()
    asyncio.run(_create_schema(path))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    # Loading then indexing is much faster than indexing while loading.
    indexes = _secondary_indexes(conn)
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    # The ranking index's change triggers note each row: a bulk load needs
    # none of that (Kindred starts with a full load of the index).
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ranking%'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    cumulative, rng = _sampler(population)
    counts = [0] * (population.vocabulary + 1)
    active: list[int] = []
    links = 0
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO interests (id, name, user_count) VALUES (?, ?, 0)",
        ((rank, interest_name(rank)) for rank in range(1, population.vocabulary + 1)),
    )
    batch: list[tuple[int, int]] = []
    people: list[tuple[int, str, str, str, str, str]] = []
    for user_id in range(1, population.users + 1):
        pending = rng.random() < population.pending_share
        status = "pending" if pending else "active"
        people.append((user_id, username(user_id), _NO_PASSWORD, f"Person {user_id}", status, _CREATED_AT))
        if not pending:
            active.append(user_id)
            held = _interests_of(rng, cumulative, rng.randint(population.min_interests, population.max_interests))
            for interest_id in held:
                counts[interest_id] += 1
                batch.append((user_id, interest_id))
        if len(batch) >= 200_000 or user_id == population.users:
            _flush(conn, people, batch)
            links += len(batch)
            people.clear()
            batch.clear()
    conn.executemany(
        "UPDATE interests SET user_count = ? WHERE id = ?",
        ((counts[i], i) for i in range(1, population.vocabulary + 1)),
    )
    _seed_requests(conn, rng, active, population.requests_share)
    conn.execute("COMMIT")
    for _, sql in [*indexes, *triggers]:
        conn.execute(sql)
    # No ANALYZE: Kindred never runs it, so the planner works without
    # statistics here as it does in production.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return Seeded(path, population.users, active, links, time.perf_counter() - started, database_bytes(path))


def _flush(
    conn: sqlite3.Connection,
    people: list[tuple[int, str, str, str, str, str]],
    batch: list[tuple[int, int]],
) -> None:
    conn.executemany(
        "INSERT INTO users (id, username, password_hash, display_name, status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        people,
    )
    conn.executemany("INSERT INTO user_interests (user_id, interest_id) VALUES (?, ?)", batch)


def _seed_requests(conn: sqlite3.Connection, rng: random.Random, active: list[int], share: float) -> None:
    """Pending requests, open matches and blocks between random pairs."""
    wanted = int(len(active) * share)
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < wanted and len(active) > 1:
        a, b = rng.sample(active, 2)
        pairs.add((min(a, b), max(a, b)))
    for number, (low, high) in enumerate(sorted(pairs)):
        if number % 3 == 2:
            conn.execute(
                "INSERT INTO blocks (user_low, user_high, blocker_id, created_at) VALUES (?, ?, ?, ?)",
                (low, high, low, _CREATED_AT),
            )
            continue
        accepted = number % 3 == 1
        cursor = conn.execute(
            "INSERT INTO requests (from_user_id, to_user_id, user_low, user_high, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (low, high, low, high, "accepted" if accepted else "pending", _CREATED_AT),
        )
        if accepted:
            conn.execute(
                "INSERT INTO matches (request_id, user_low, user_high, status, room_id, created_at)"
                " VALUES (?, ?, ?, 'ready', ?, ?)",
                (cursor.lastrowid, low, high, f"!seeded{number}:localhost", _CREATED_AT),
            )


def database_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
