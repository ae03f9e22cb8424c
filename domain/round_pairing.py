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
greedy matching is improved along short alternating paths on the same graph,
which stays within about 1% of exact at 2,000 people and pairs 100,000 in
under a minute (benchmarks/RESULTS.md, benchmark 8). Whoever the graph leaves unmatched (they share nothing with anyone
free) is still paired with someone they may meet, lowest ``order`` first, so
someone is left out only when nobody is left they may meet; the reason says so.
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from itertools import chain

import networkx as nx

# Posting-list entries one person's candidate search may read: everyone
# sharing their rarer interests, and a window of each popular interest (which
# weighs little) rather than all its holders. At 100,000 people, 400 instead
# of 1,000 lost a fifth of the round's total weight.
SCAN_PER_PERSON = 1000
# Candidates scored exactly per person before the best are kept.
SHORTLIST = 20
# New edges on one improving path; 3 reaches within 1% of exact on the
# benchmark population, 4 costs three times as much for a few tenths more.
SEARCH_DEPTH = 3
# Cap on the improvement's work (candidate edges looked at), per person: the
# first paths found gain the most; at 100,000 people the last third of the
# gain would take three times as long.
STEPS_PER_PERSON = 60
# Up to this many people the matching is exact; blossom's time grows about
# as the cube (0.3 s at 200 people, 8 s at 1,000, 30 s at 2,000).
EXACT_UP_TO = 500
# Of those left over, how many ahead in the order a person chooses among.
FILL_LOOKAHEAD = 20
_EPSILON = 1e-9

METHOD_EXACT = "exact"
METHOD_HEURISTIC = "greedy+paths"

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
        self.order = [e.order for e in ordered]
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
    weight; symmetric (an edge either end chose is kept).

    Holders of the person's interests are counted, rarest interest first,
    until ``SCAN_PER_PERSON`` postings are read (a popular interest gives a
    window of its holders); the most often met, and among equals the holders
    of the rarest interests, are then scored exactly. Counting runs in C
    (Counter), which is what lets the scan go wide enough at 100,000 people
    to find those who share two rare interests."""
    postings: dict[int, list[int]] = {}
    for person, held in enumerate(people.interests):
        for interest in held:
            postings.setdefault(interest, []).append(person)
    get = people.weights.get
    graph: dict[int, dict[int, float]] = {person: {} for person in range(len(people))}
    for person, held in enumerate(people.interests):
        windows: list[list[int]] = []
        budget = SCAN_PER_PERSON
        for interest in sorted(held, key=lambda i: (-get(i, 0.0), i)):
            if budget <= 0 or get(interest, 0.0) <= 0.0:
                break
            holders = postings[interest]
            windows.append(_window(holders, person, budget))
            budget -= len(holders)
        met = Counter(chain.from_iterable(windows))
        met.pop(person, None)
        for other in people.excluded[person]:
            met.pop(other, None)
        scored = [(people.weight(person, other), other) for other, _ in met.most_common(SHORTLIST)]
        for weight, other in heapq.nlargest(per_person, scored, key=lambda wo: (wo[0], -wo[1])):
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
    """Maximum-weight matching of the candidate graph (blossom)."""
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
    """Heaviest edge first, among people still free: half of exact at worst,
    about nine tenths here, and the start the path search improves on."""
    edges = sorted((-weight, a, b) for a, row in graph.items() for b, weight in row.items() if a < b)
    mates: dict[int, int] = {}
    for _, a, b in edges:
        if a not in mates and b not in mates:
            mates[a] = b
            mates[b] = a
    return mates


def _improve(people: _Round, graph: dict[int, dict[int, float]], mates: dict[int, int]) -> None:
    """Alternating paths on the candidate graph while one gains: from each
    person in turn, swap pairs along a path of at most ``SEARCH_DEPTH`` new
    edges (Lin-Kernighan style: every prefix must gain, so the search stays
    small). Whoever a change touched is searched from again; the total work
    is capped so a round's time has a bound."""
    search = _PathSearch(people, graph, mates)
    queue = deque(range(len(people)))
    queued = [True] * len(people)
    budget = STEPS_PER_PERSON * len(people)
    while queue and search.steps < budget:
        person = queue.popleft()
        queued[person] = False
        path = search.from_person(person)
        if path is None:
            continue
        for touched in search.apply(path):
            if not queued[touched]:
                queued[touched] = True
                queue.append(touched)


class _PathSearch:
    """Improving alternating paths from one person at a time, on the
    candidate edges (best first), over the current pairs ``mates``."""

    def __init__(self, people: _Round, graph: dict[int, dict[int, float]], mates: dict[int, int]) -> None:
        self.people, self.graph, self.mates = people, graph, mates
        self.ranked = [sorted(graph[p].items(), key=lambda kv: (-kv[1], kv[0])) for p in range(len(people))]
        self.held = [0.0] * len(people)
        for a, b in mates.items():
            self.held[a] = self.weight(a, b)
        self.steps = 0

    def weight(self, a: int, b: int) -> float:
        known = self.graph[a].get(b)
        return self.people.weight(a, b) if known is None else known

    def from_person(self, start: int) -> list[tuple[int, int]] | None:
        """New pairs along an improving path from ``start``, or None. The
        path drops start's pair, then alternately adds a candidate edge and
        drops that candidate's pair; it ends at someone free, by leaving the
        last dropped person free, or by pairing them with start's partner."""
        partner = self.mates.get(start)
        visited = {start} if partner is None else {start, partner}
        return self._extend(start, -self.held[start], 1, partner, visited, [])

    def _extend(
        self, x: int, gain: float, depth: int, partner: int | None, visited: set[int], added: list[tuple[int, int]]
    ) -> list[tuple[int, int]] | None:
        for y, weight in self.ranked[x]:
            self.steps += 1
            after_add = gain + weight
            if after_add <= _EPSILON:
                return None  # the rest weigh less still
            if y in visited:
                continue
            my = self.mates.get(y)
            if my is None:
                return [*added, (x, y)]
            after_drop = after_add - self.held[y]
            if after_drop > _EPSILON:
                return [*added, (x, y)]
            if partner is not None and my != partner and self.people.allowed(my, partner):
                if after_drop + self.weight(my, partner) > _EPSILON:
                    return [*added, (x, y), (my, partner)]
            if depth < SEARCH_DEPTH:
                visited |= {y, my}
                found = self._extend(my, after_drop, depth + 1, partner, visited, [*added, (x, y)])
                visited -= {y, my}
                if found is not None:
                    return found
        return None

    def apply(self, path: list[tuple[int, int]]) -> set[int]:
        """Make the new pairs; former partners left without one go free.
        Returns everyone whose pair changed."""
        touched: set[int] = set()
        for a, b in path:
            for end in (a, b):
                old = self.mates.pop(end, None)
                touched.add(end)
                if old is not None and self.mates.get(old) == end:
                    del self.mates[old]
                    self.held[old] = 0.0
                    touched.add(old)
        for a, b in path:
            self.mates[a], self.mates[b] = b, a
            self.held[a] = self.held[b] = self.weight(a, b)
        return touched


def _fill(people: _Round, mates: dict[int, int], waiting: list[int]) -> list[int]:
    """Pair those ``waiting``, in serving order; returns who is still left."""
    left: list[int] = []
    while waiting:
        person = waiting.pop(0)
        if not _place(people, mates, person, waiting):
            left.append(person)
    return left


def _place(people: _Round, mates: dict[int, int], person: int, waiting: list[int]) -> bool:
    """Pair ``person`` with the best of the next few ``waiting`` they may
    meet (anyone waiting they may meet, if none of those), or take a paired
    person whose partner then pairs with someone waiting."""
    allowed = [other for other in waiting[:FILL_LOOKAHEAD] if people.allowed(person, other)]
    if not allowed:
        allowed = [other for other in waiting[FILL_LOOKAHEAD:] if people.allowed(person, other)][:1]
    if allowed:
        partner = max(allowed, key=lambda other: (people.weight(person, other), -other))
        waiting.remove(partner)
        mates[person], mates[partner] = partner, person
        return True
    return _swap_in(people, mates, person, waiting)


def _swap_in(people: _Round, mates: dict[int, int], person: int, waiting: list[int]) -> bool:
    """Take a paired person ``person`` may meet, if their partner may meet
    someone still waiting (they pair instead): one more pair, none broken."""
    for a in range(len(people)):
        b = mates.get(a)
        if b is None or not people.allowed(person, a):
            continue
        other = next((w for w in waiting if people.allowed(b, w)), None)
        if other is not None:
            waiting.remove(other)
            mates[person], mates[a] = a, person
            mates[b], mates[other] = other, b
            return True
    return False


def _displace(people: _Round, mates: dict[int, int], person: int) -> int | None:
    """Serve ``person`` before someone later in the order: take the partner
    of the latest-served paired person they may meet; returns who lost it."""
    later = [(b, a) for a, b in mates.items() if b > person and people.allowed(person, a)]
    if not later:
        return None
    b, a = max(later)
    del mates[b]
    mates[person], mates[a] = a, person
    return b


def _trio(people: _Round, mates: dict[int, int], person: int) -> tuple[int, int] | None:
    """The pair ``person`` joins (they may meet both): one with someone
    served late in it if there is one (a trio still meets if one of three
    does not show up), then the one they add the most weight to, i.e. what
    they share with either member that the pair did not already share."""
    mine = people.interests[person]
    get = people.weights.get
    order = people.order
    best: tuple[tuple[int, float], tuple[int, int]] | None = None
    for a in range(len(people)):
        b = mates.get(a)
        if b is None or b < a or not (people.allowed(person, a) and people.allowed(person, b)):
            continue
        theirs_a, theirs_b = people.interests[a], people.interests[b]
        gain = sum(get(i, 0.0) for i in (mine & (theirs_a | theirs_b)) - (theirs_a & theirs_b))
        key = (max(order[a], order[b]), gain)
        if best is None or key[0] > best[0][0] or (key[0] == best[0][0] and gain > best[0][1] + _EPSILON):
            best = (key, (a, b))
    return None if best is None else best[1]


def _settle(people: _Round, mates: dict[int, int]) -> tuple[tuple[int, int, int] | None, list[int]]:
    """Everyone the matching left out: paired if they can be, one of them in
    the trio, and whoever is still left out served before anyone later in
    the order they could replace. Returns the trio and who stays unpaired."""
    left = _fill(people, mates, [p for p in range(len(people)) if p not in mates])
    trio = None
    for person in left:
        pair = _trio(people, mates, person)
        if pair is not None:
            trio = (*pair, person)
            del mates[pair[0]], mates[pair[1]]
            left.remove(person)
            break
    unpaired: list[int] = []
    heapq.heapify(left)
    while left:
        person = heapq.heappop(left)
        if _place(people, mates, person, sorted(left)):
            left = [p for p in left if p not in mates]
            heapq.heapify(left)
            continue
        displaced = _displace(people, mates, person)
        if displaced is None:
            unpaired.append(person)
        else:
            heapq.heappush(left, displaced)
    return trio, unpaired


def plan_round(
    entrants: Sequence[Entrant],
    weights: Mapping[int, float],
    excluded: Set[frozenset[int]],
    *,
    candidates_per_person: int = 10,
    exact_up_to: int = EXACT_UP_TO,
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
    trio, left = _settle(people, mates)
    groups = [people.group((a, b)) for a, b in mates.items() if a < b]
    if trio is not None:
        groups.append(people.group(trio))
    groups.sort(key=lambda g: g.members)
    unpaired = sorted((Unpaired(people.user_ids[p], _reason(people, p)) for p in left), key=lambda u: u.user_id)
    return RoundPlan(tuple(groups), tuple(unpaired), method, sum((g.weight for g in groups), 0.0))


def _reason(people: _Round, person: int) -> str:
    if len(people) == 1:
        return NOBODY_ELSE_DUE
    if len(people.excluded[person]) >= len(people) - 1:
        return NO_ONE_AVAILABLE
    return PARTNERS_TAKEN
