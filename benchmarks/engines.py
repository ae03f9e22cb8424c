"""The ranking question without Kindred: a search engine and a plain
accumulation over posting lists, on the population benchmark 3 seeded.

The question, for a viewer: every active person scored by the sum, over the
interests they share with the viewer, of the interest's weight
ln(1 + N / n) (domain.ranking.idf, as Kindred weighs them); the top 20.
Neither side applies Kindred's rules beyond that (the viewer themselves,
pending sign-ups, requests, matches and blocks are not excluded, no shared
interests are listed), so they are the floor a ranking with those rules
is measured against.

- tantivy: each active person is a document whose ``interest`` field holds
  their interest ids; the query is a boolean OR of one term query per
  interest of the viewer, each wrapped in a constant-score query scoring
  the interest's weight, so a document's score is exactly the sum of the
  weights it matches (no BM25, no length norms). The index lives in memory,
  in one segment; the top 20 are read back with their stored person ids.
- numpy: one array of person indexes per interest; a score per person,
  ``scores[posting] += weight`` per interest of the viewer, then
  ``argpartition`` for the top 20.

Both are timed in this process, from the viewer's weighted interests to
the top 20 person ids: no HTTP, no tokens, no database.
"""

from __future__ import annotations

import sqlite3
import time
from collections import defaultdict
from pathlib import Path
from typing import Callable

import numpy as np
import tantivy

from domain.ranking import idf

TOP = 20


class Population:
    """Who is active and what they hold, read once from a seeded store."""

    def __init__(self, path: Path) -> None:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            self.people: list[int] = [
                row[0] for row in conn.execute("SELECT id FROM users WHERE status = 'active' ORDER BY id")
            ]
            active = set(self.people)
            self.held: dict[int, list[int]] = defaultdict(list)
            for user_id, interest_id in conn.execute(
                "SELECT user_id, interest_id FROM user_interests ORDER BY user_id, interest_id"
            ):
                if user_id in active:
                    self.held[user_id].append(interest_id)
        finally:
            conn.close()
        holders: dict[int, int] = defaultdict(int)
        for interests in self.held.values():
            for interest_id in interests:
                holders[interest_id] += 1
        self.weight = {interest_id: idf(len(self.people), n) for interest_id, n in holders.items()}

    def question(self, viewer: int) -> list[tuple[int, float]]:
        """The viewer's interests with their weights: what either side is asked."""
        return [(interest_id, self.weight[interest_id]) for interest_id in self.held.get(viewer, [])]


class Tantivy:
    def __init__(self, population: Population) -> None:
        builder = tantivy.SchemaBuilder()
        builder.add_unsigned_field("person", stored=True)
        builder.add_unsigned_field("interest", indexed=True)
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema)
        # One thread and a heap that holds everything: one segment, as a
        # merged production index would be.
        writer = self.index.writer(heap_size=1_000_000_000, num_threads=1)
        for person in population.people:
            document = tantivy.Document()
            document.add_unsigned("person", person)
            for interest_id in population.held.get(person, []):
                document.add_unsigned("interest", interest_id)
            writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def top(self, question: list[tuple[int, float]]) -> list[tuple[int, float]]:
        query = tantivy.Query.boolean_query(
            [
                (
                    tantivy.Occur.Should,
                    tantivy.Query.const_score_query(
                        tantivy.Query.term_query(self.schema, "interest", interest_id, index_option="basic"), weight
                    ),
                )
                for interest_id, weight in question
            ]
        )
        hits = self.searcher.search(query, TOP, count=False).hits
        return [(self.searcher.doc(address)["person"][0], score) for score, address in hits]


class Accumulator:
    def __init__(self, population: Population) -> None:
        self.people = np.array(population.people, dtype=np.int64)
        by_interest: dict[int, list[int]] = defaultdict(list)
        for index, person in enumerate(population.people):
            for interest_id in population.held.get(person, []):
                by_interest[interest_id].append(index)
        self.postings = {interest_id: np.array(indexes, dtype=np.int32) for interest_id, indexes in by_interest.items()}
        self.scores = np.zeros(len(population.people), dtype=np.float64)

    def top(self, question: list[tuple[int, float]]) -> list[tuple[int, float]]:
        scores = self.scores
        scores.fill(0.0)
        for interest_id, weight in question:
            # A posting list holds each person once, so a fancy-indexed add is exact.
            scores[self.postings[interest_id]] += weight
        best = np.argpartition(scores, -TOP)[-TOP:]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(self.people[i]), float(scores[i])) for i in best]


Answer = list[tuple[int, float]]


def timed(
    answer: Callable[[list[tuple[int, float]]], Answer], questions: list[list[tuple[int, float]]]
) -> tuple[list[float], list[Answer]]:
    """Each question once, in order (``answer``: Tantivy.top or
    Accumulator.top): the seconds each took and the answers."""
    times: list[float] = []
    answers: list[Answer] = []
    for question in questions:
        started = time.perf_counter()
        answers.append(answer(question))
        times.append(time.perf_counter() - started)
    return times, answers


def same_scores(a: list[tuple[int, float]], b: list[tuple[int, float]]) -> bool:
    """Two top 20s hold the same scores (to tantivy's single precision); the
    people at a tie may differ, as each side breaks ties its own way."""
    left, right = sorted(s for _, s in a), sorted(s for _, s in b)
    return len(left) == len(right) and all(
        abs(x - y) <= 1e-4 * max(1.0, abs(y)) for x, y in zip(left, right, strict=True)
    )
