"""Who meets whom in a scheduled round: the pairing rule, free of I/O.

A round pairs everyone due so that the summed weight of what the pairs share
is as large as it can be (a pair weighs the IDF weights of the interests both
hold, as suggestions rank them), under the caller's exclusions (blocked pairs,
open matches and pending requests, pairs introduced too recently), which are
never broken, not even inside the one trio an odd count makes.

Scoring every pair is quadratic; a round instead works on a sparse candidate
graph: each person's best few partners, reached through the posting lists of
their rarest interests first (rare interests are where the weight is). Up to
``exact_up_to`` people the matching is exact (blossom, networkx); above it a
greedy matching is improved by local exchanges on the same graph, which stays
within a few percent of exact (benchmarks/RESULTS.md) and pairs 100,000 people
in seconds. Whoever the graph leaves unmatched (they share nothing with anyone
free) is still paired with someone they may meet, lowest ``order`` first, so
someone is left out only when nobody is left they may meet; the reason says so.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

import networkx as nx

# Posting-list entries one person's candidate search may read: enough to
# reach everyone sharing their rare interests, and a window of each popular
# interest (which weighs little) rather than all its holders.
SCAN_PER_CANDIDATE = 40
# Candidates scored exactly per person before the best are kept.
SHORTLIST_FACTOR = 2
# Improvement passes of the heuristic; each rarely finds much after the third.
IMPROVEMENT_PASSES = 6
_EPSILON = 1e-9

METHOD_EXACT = "exact"
METHOD_HEURISTIC = "greedy+exchanges"

# Why someone is left out of a round, explained to them by the bot.
NOBODY_ELSE_DUE = "nobody_else_due"
NO_ONE_AVAILABLE = "no_one_available"
PARTNERS_TAKEN = "partners_taken"


@dataclass(frozen=True)
class Entrant:
    user_id: int
    interest_ids: frozenset[int]
    # Lower is served first: -1 for someone left unpaired last round, +n for
    # someone whose partners said n times that they never showed up.
    order: int = 0


@dataclass(frozen=True)
class Group:
    # Two (a pair) or three (the trio), sorted user ids.
    members: tuple[int, ...]
    # Interests shared within the group; in a trio, held by at least two.
    shared_interest_ids: frozenset[int]
    weight: float


@dataclass(frozen=True)
class Unpaired:
    user_id: int
    # A stable code (NOBODY_ELSE_DUE, NO_ONE_AVAILABLE, PARTNERS_TAKEN).
    reason: str


@dataclass(frozen=True)
class RoundPlan:
    groups: tuple[Group, ...]
    unpaired: tuple[Unpaired, ...]
    # METHOD_EXACT or METHOD_HEURISTIC, for logs and the benchmark.
    method: str
    total_weight: float


class _Round:
    """The entrants by serving order (index 0 is served first), their
    interests, and the exclusions between them."""

    def __init__(
        self, entrants: Sequence[Entrant], weights: Mapping[int, float], excluded: Set[frozenset[int]]
    ) -> None:
        first: dict[int, Entrant] = {}
        for entrant in entrants:
            kept = first.get(entrant.user_id)
            if kept is None or entrant.order < kept.order:
                first[entrant.user_id] = entrant
        ordered = sorted(first.values(), key=lambda e: (e.order, e.user_id))
        self.user_ids = [e.user_id for e in ordered]
        self.interests = [e.interest_ids for e in ordered]
        self.weights = weights
        index = {user_id: i for i, user_id in enumerate(self.user_ids)}
        self.excluded: list[set[int]] = [set() for _ in ordered]
        for pair in excluded:
            ends = [index[u] for u in pair if u in index]
            if len(ends) == 2:
                a, b = ends
                self.excluded[a].add(b)
                self.excluded[b].add(a)

    def __len__(self) -> int:
        return len(self.user_ids)

    def allowed(self, a: int, b: int) -> bool:
        return a != b and b not in self.excluded[a]

    def weight(self, a: int, b: int) -> float:
        get = self.weights.get
        return sum(get(i, 0.0) for i in self.interests[a] & self.interests[b])

    def group(self, members: Sequence[int]) -> Group:
        sets = [self.interests[m] for m in members]
        if len(sets) == 2:
            shared = sets[0] & sets[1]
        else:
            shared = (sets[0] & sets[1]) | (sets[0] & sets[2]) | (sets[1] & sets[2])
        weight = sum(self.weights.get(i, 0.0) for i in shared)
        return Group(tuple(sorted(self.user_ids[m] for m in members)), frozenset(shared), weight)


def candidate_graph(people: _Round, per_person: int) -> dict[int, dict[int, float]]:
    """Each person's best ``per_person`` partners they may meet, with the pair
    weight; symmetric (an edge either end chose is kept)."""
    postings: dict[int, list[int]] = {}
    for person, held in enumerate(people.interests):
        for interest in held:
            postings.setdefault(interest, []).append(person)
    get = people.weights.get
    graph: dict[int, dict[int, float]] = {person: {} for person in range(len(people))}
    budget_each = SCAN_PER_CANDIDATE * per_person
    for person, held in enumerate(people.interests):
        rarest_first = sorted(held, key=lambda i: (-get(i, 0.0), i))
        scores: dict[int, float] = {}
        budget = budget_each
        for interest in rarest_first:
            holders = postings[interest]
            weight = get(interest, 0.0)
            if weight <= 0.0:
                continue
            for other in _window(holders, person, budget):
                scores[other] = scores.get(other, 0.0) + weight
            budget -= len(holders)
            if budget <= 0:
                break
        scores.pop(person, None)
        for other in people.excluded[person]:
            scores.pop(other, None)
        shortlist = heapq.nlargest(per_person * SHORTLIST_FACTOR, scores.items(), key=lambda kv: (kv[1], -kv[0]))
        exact = [(people.weight(person, other), other) for other, _ in shortlist]
        for weight, other in heapq.nlargest(per_person, exact, key=lambda wo: (wo[0], -wo[1])):
            if weight > 0.0:
                graph[person][other] = weight
                graph[other][person] = weight
    return graph


def _window(holders: list[int], person: int, budget: int) -> list[int]:
    """All holders when they fit in the budget, else a window of them that
    depends on the person, so a popular interest's first holders are not
    everyone's candidates."""
    if len(holders) <= budget:
        return holders
    if budget <= 0:
        return []
    start = (person * 7919) % len(holders)
    window = holders[start : start + budget]
    if len(window) < budget:
        window += holders[: budget - len(window)]
    return window


def _exact(graph: dict[int, dict[int, float]]) -> dict[int, int]:
    g = nx.Graph()
    for a, row in graph.items():
        for b, weight in row.items():
            if a < b:
                g.add_edge(a, b, weight=weight)
    mates: dict[int, int] = {}
    for a, b in nx.max_weight_matching(g, maxcardinality=False, weight="weight"):
        mates[int(a)] = int(b)
        mates[int(b)] = int(a)
    return mates


def _greedy(graph: dict[int, dict[int, float]]) -> dict[int, int]:
    edges = sorted((-weight, a, b) for a, row in graph.items() for b, weight in row.items() if a < b)
    mates: dict[int, int] = {}
    for _, a, b in edges:
        if a not in mates and b not in mates:
            mates[a] = b
            mates[b] = a
    return mates


def _improve(people: _Round, graph: dict[int, dict[int, float]], mates: dict[int, int]) -> None:
    """Local exchanges on the candidate graph until none gains: take an edge
    (a, b) and pair their former partners with each other, or re-pair a
    freed partner with its best free candidate."""

    def paired(a: int) -> float:
        mate = mates.get(a)
        return 0.0 if mate is None else graph[a].get(mate, 0.0) or people.weight(a, mate)

    def best_free(c: int, avoid: int) -> tuple[float, int | None]:
        best: tuple[float, int | None] = (0.0, None)
        for d, weight in graph[c].items():
            if d != avoid and d not in mates and weight > best[0]:
                best = (weight, d)
        return best

    for _ in range(IMPROVEMENT_PASSES):
        gained = False
        for a in range(len(people)):
            for b, weight in graph[a].items():
                if b < a or mates.get(a) == b:
                    continue
                ma, mb = mates.get(a), mates.get(b)
                before = paired(a) + paired(b) - (weight if ma == b else 0.0)
                after, rest = weight, None
                if ma is not None and mb is not None:
                    if people.allowed(ma, mb):
                        rest = (ma, mb)
                        after += people.weight(ma, mb)
                elif ma is not None or mb is not None:
                    loose = ma if ma is not None else mb
                    assert loose is not None
                    best, partner = best_free(loose, a if ma is None else b)
                    if partner is not None:
                        rest = (loose, partner)
                        after += best
                if after > before + _EPSILON:
                    for end in (ma, mb):
                        if end is not None:
                            mates.pop(end, None)
                    mates[a], mates[b] = b, a
                    if rest is not None:
                        mates[rest[0]], mates[rest[1]] = rest[1], rest[0]
                    gained = True
        if not gained:
            break


def _fill(people: _Round, mates: dict[int, int]) -> list[int]:
    """Pair whoever the matching left out, lowest order first, with the
    next person left out they may meet; returns who is still left."""
    waiting = [p for p in range(len(people)) if p not in mates]
    left: list[int] = []
    while waiting:
        person = waiting.pop(0)
        partner = next((other for other in waiting if people.allowed(person, other)), None)
        if partner is None:
            left.append(person)
            continue
        waiting.remove(partner)
        mates[person], mates[partner] = partner, person
    # Someone still waiting may take a paired person whose partner can take
    # someone else still waiting.
    still: list[int] = []
    for person in left:
        if person in mates:
            continue
        if not _swap_in(people, mates, person, [p for p in left if p != person and p not in mates]):
            still.append(person)
    return still


def _swap_in(people: _Round, mates: dict[int, int], person: int, waiting: list[int]) -> bool:
    for a in range(len(people)):
        b = mates.get(a)
        if b is None or not people.allowed(person, a):
            continue
        other = next((w for w in waiting if people.allowed(b, w)), None)
        if other is not None:
            mates[person], mates[a] = a, person
            mates[b], mates[other] = other, b
            return True
    return False


def _trio(people: _Round, mates: dict[int, int], person: int) -> tuple[int, int] | None:
    """The pair ``person`` adds the most weight to and may meet both of."""
    best: tuple[float, tuple[int, int]] | None = None
    for a in range(len(people)):
        b = mates.get(a)
        if b is None or b < a or not (people.allowed(person, a) and people.allowed(person, b)):
            continue
        gain = people.group((a, b, person)).weight - people.group((a, b)).weight
        if best is None or gain > best[0] + _EPSILON:
            best = (gain, (a, b))
    return None if best is None else best[1]


def plan_round(
    entrants: Sequence[Entrant],
    weights: Mapping[int, float],
    excluded: Set[frozenset[int]],
    *,
    candidates_per_person: int = 10,
    exact_up_to: int = 1000,
) -> RoundPlan:
    """Pairs (and at most one trio) for everyone in ``entrants``; never a pair
    in ``excluded``. Deterministic for the same input."""
    people = _Round(entrants, weights, excluded)
    graph = candidate_graph(people, candidates_per_person)
    if len(people) <= exact_up_to:
        mates, method = _exact(graph), METHOD_EXACT
    else:
        mates, method = _greedy(graph), METHOD_HEURISTIC
        _improve(people, graph, mates)
    left = _fill(people, mates)
    groups = [people.group((a, b)) for a, b in mates.items() if a < b]
    unpaired: list[Unpaired] = []
    trio_made = False
    for person in left:
        pair = None if trio_made else _trio(people, mates, person)
        if pair is not None:
            trio_made = True
            groups.remove(people.group(pair))
            groups.append(people.group((*pair, person)))
            continue
        unpaired.append(Unpaired(people.user_ids[person], _reason(people, person)))
    groups.sort(key=lambda g: g.members)
    unpaired.sort(key=lambda u: u.user_id)
    return RoundPlan(tuple(groups), tuple(unpaired), method, sum(g.weight for g in groups))


def _reason(people: _Round, person: int) -> str:
    if len(people) == 1:
        return NOBODY_ELSE_DUE
    if len(people.excluded[person]) >= len(people) - 1:
        return NO_ONE_AVAILABLE
    return PARTNERS_TAKEN
