"""The naive reference for suggestions: load every profile, score in Python.

It shares nothing with Kindred's query but the ranking rules (domain.ranking):
weight ln(1 + N / n) per shared interest, where N counts active people and n
the active people listing the interest (counted here from the rows, not read
from ``interests.user_count``); highest score first, ties broken by more
shared interests, then by username; never yourself, nobody pending, nobody
you have a pending request or an open match with, nor anyone blocked
either way.

Scores are summed with ``math.fsum``, which rounds the exact sum once, so two
people sharing equally weighted interests get bit-identical scores whatever
the order of the terms, and the tie rules decide between them as they should.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from domain.ranking import idf


@dataclass(frozen=True)
class Ranked:
    username: str
    score: float
    shared: tuple[str, ...]


class Profiles:
    """Everything the naive ranking needs, read from the database in one go."""

    def __init__(self, path: Path) -> None:
        started = time.perf_counter()
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            self.names: dict[int, str] = {}
            for user_id, name in conn.execute("SELECT id, username FROM users WHERE status = 'active'"):
                self.names[user_id] = name
            interest_names = dict(conn.execute("SELECT id, name FROM interests"))
            self.held: dict[int, set[str]] = {user_id: set() for user_id in self.names}
            for user_id, interest_id in conn.execute("SELECT user_id, interest_id FROM user_interests"):
                if user_id in self.held:
                    self.held[user_id].add(interest_names[interest_id])
            pairs = (
                "SELECT user_low, user_high FROM requests WHERE status = 'pending'"
                " UNION SELECT user_low, user_high FROM matches WHERE status <> 'closed'"
            )
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'blocks'").fetchone():
                pairs += " UNION SELECT user_low, user_high FROM blocks"
            self.blocked: set[tuple[int, int]] = set(conn.execute(pairs))
        finally:
            conn.close()
        self.holders = Counter(name for names in self.held.values() for name in names)
        self.load_seconds = time.perf_counter() - started

    def top(self, viewer_id: int, limit: int = 20, only: str | None = None) -> list[Ranked]:
        mine = self.held.get(viewer_id, set())
        population = len(self.names)
        weights = {name: idf(population, self.holders[name]) for name in mine}
        ranked: list[tuple[float, int, str, tuple[str, ...]]] = []
        for user_id, theirs in self.held.items():
            if user_id == viewer_id or (min(user_id, viewer_id), max(user_id, viewer_id)) in self.blocked:
                continue
            if only is not None and only not in theirs:
                continue
            shared = mine & theirs
            if shared:
                score = math.fsum(weights[name] for name in shared)
                ranked.append((-score, -len(shared), self.names[user_id], tuple(sorted(shared))))
        ranked.sort()
        return [Ranked(name, -neg, shared) for neg, _, name, shared in ranked[:limit]]


def naive_suggestions(path: Path, viewer_id: int, limit: int = 20) -> list[Ranked]:
    """The whole naive request: load everything, then rank."""
    return Profiles(path).top(viewer_id, limit)
