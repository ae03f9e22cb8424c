"""The in-memory ranking index (domain/interest_index.py) against brute force.

People are written through the store; one Database makes the changes, a
second (as another process would) ranks. After every batch of changes (new
people, interests changed, suspensions, deletions) the second index's next
ranking must equal scoring everyone, with the pruning constants shrunk so
every path (first pass, widening, filter read whole or narrowed) is taken.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from domain import interest_index
from domain.interest_index import InterestIndex
from domain.ranking import packed_weight
from store import interests, users
from store.database import Database
from tests.databases import database_url_for

VOCABULARY = [f"t{n:02d}" for n in range(24)]
POPULARITY = [1.0 / (n + 1) for n in range(24)]


class Model:
    """What the store holds, kept by the test, and the ranking by brute force."""

    def __init__(self) -> None:
        self.held: dict[int, set[str]] = {}
        self.names: dict[int, str] = {}
        self.active: set[int] = set()

    def top(self, viewer: int, excluded: set[int], only: str | None, limit: int) -> list[tuple[str, int]]:
        population = len(self.active)
        holders = {name: sum(name in self.held[p] for p in self.active) for name in VOCABULARY}
        mine = self.held[viewer] if viewer in self.active else set()
        ranked = []
        for person in self.active:
            if person == viewer or person in excluded:
                continue
            if only is not None and only not in self.held[person]:
                continue
            shared = mine & self.held[person]
            if shared:
                total = sum(packed_weight(population, holders[name]) for name in shared)
                ranked.append((-total, self.names[person], person))
        ranked.sort()
        return [(name, -negative) for negative, name, _ in ranked[:limit]]


def _pick(rng: random.Random) -> set[str]:
    chosen: set[str] = set()
    while len(chosen) < rng.randint(1, 6):
        chosen.add(rng.choices(VOCABULARY, POPULARITY)[0])
    return chosen


async def _add(db: Database, model: Model, rng: random.Random, n: int) -> None:
    async with db.transaction() as conn:
        person = await users.insert_pending(conn, f"u{n:03d}", "not-a-real-hash", "Someone")
        held = _pick(rng)
        await users.activate(conn, person, f"@u{n:03d}:localhost")
        await interests.replace_for_user(conn, person, sorted(held))
    model.held[person], model.names[person] = held, f"u{n:03d}"
    model.active.add(person)


async def _change(db: Database, model: Model, rng: random.Random) -> None:
    person = rng.choice(sorted(model.held))
    what = rng.random()
    async with db.transaction() as conn:
        if what < 0.6:
            model.held[person] = _pick(rng)
            await interests.replace_for_user(conn, person, sorted(model.held[person]))
        elif what < 0.8:
            status = "suspended" if person in model.active else "active"
            await users.set_status(conn, person, status)
            model.active.symmetric_difference_update({person})
        elif what < 0.9:
            await users.delete(conn, person)
            model.active.discard(person)
            del model.held[person]
        else:
            # Interests and standing in one transaction.
            model.held[person] = _pick(rng)
            await interests.replace_for_user(conn, person, sorted(model.held[person]))
            await users.set_status(conn, person, "active")
            model.active.add(person)


def _served(
    index: InterestIndex, model: Model, viewer: int, excluded: set[int], only: str | None, limit: int
) -> list[tuple[str, int]]:
    only_id = index.interest_id(only) if only is not None else None
    if only is not None and only_id is None:
        return []
    found = index.rank(viewer, sorted(excluded), only_id, limit)
    return [(model.names[r.user_id], r.total) for r in found]


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_next_ranking_after_any_change_equals_brute_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    for name, value in [
        ("_FIRST_ROWS", 4),
        ("_PROBE", 3),
        ("_DIRECT_FILTER_ROWS", 5),
        ("_RELOAD_ABOVE", 15),
        ("_DENSE_SHARE", 0.2),
    ]:
        monkeypatch.setattr(interest_index, name, value)
    rng = random.Random(seed)
    url = database_url_for(tmp_path)
    writer, reader = Database(tmp_path / "kindred.db", url), Database(tmp_path / "kindred.db", url)
    await writer.open()
    await reader.open()
    index = InterestIndex()
    model = Model()
    try:
        for n in range(40):
            await _add(writer, model, rng, n)
        added = 40
        for step in range(12):
            # Small batches are patched in; one large batch makes the index reload.
            for _ in range(20 if step == 6 else rng.randint(1, 4)):
                if rng.random() < 0.25:
                    await _add(writer, model, rng, added)
                    added += 1
                else:
                    await _change(writer, model, rng)
            await index.refresh(reader)
            assert index.population == len(model.active)
            for viewer in rng.sample(sorted(model.active), 4):
                excluded = set(rng.sample(sorted(model.active), 3))
                for only in (None, rng.choice(VOCABULARY)):
                    for limit in (3, 20):
                        served = _served(index, model, viewer, excluded, only, limit)
                        assert served == model.top(viewer, excluded, only, limit), (step, viewer, only, limit)
    finally:
        await writer.close()
        await reader.close()
