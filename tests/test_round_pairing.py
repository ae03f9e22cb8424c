"""The pairing rule of a scheduled round (domain.round_pairing), on its own:
no store, no homeserver, people and exclusions made up in each test."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.ranking import idf
from domain.round_pairing import (
    METHOD_EXACT,
    METHOD_HEURISTIC,
    NO_ONE_AVAILABLE,
    NOBODY_ELSE_DUE,
    Entrant,
    Group,
    RoundPlan,
    plan_round,
)

pytestmark = pytest.mark.store_agnostic

FLAT = {interest: 1.0 for interest in range(100)}


def pairs_of(group: Group) -> set[frozenset[int]]:
    return {frozenset(pair) for pair in itertools.combinations(group.members, 2)}


def everyone(plan: RoundPlan) -> list[int]:
    return sorted([m for g in plan.groups for m in g.members] + [u.user_id for u in plan.unpaired])


def population(size: int, seed: int) -> tuple[list[Entrant], dict[int, float]]:
    """People with 5 to 15 interests, popular ones much more often (Zipf), as
    on the site; weights are the suggestions' IDF over this population."""
    rng = random.Random(seed)
    vocabulary = range(1, 401)
    popularity = [1.0 / rank for rank in vocabulary]
    entrants = []
    for user_id in range(1, size + 1):
        held: set[int] = set()
        wanted = rng.randint(5, 15)
        while len(held) < wanted:
            held.add(rng.choices(vocabulary, popularity)[0])
        entrants.append(Entrant(user_id, frozenset(held)))
    holders: dict[int, int] = {}
    for entrant in entrants:
        for interest in entrant.interest_ids:
            holders[interest] = holders.get(interest, 0) + 1
    return entrants, {interest: idf(size, count) for interest, count in holders.items()}


def test_seven_people_make_two_pairs_and_one_trio() -> None:
    entrants = [Entrant(user_id, frozenset({user_id % 3, 50})) for user_id in range(1, 8)]
    plan = plan_round(entrants, FLAT, set())
    assert sorted(len(g.members) for g in plan.groups) == [2, 2, 3]
    assert plan.unpaired == ()
    assert everyone(plan) == list(range(1, 8))
    trio = next(g for g in plan.groups if len(g.members) == 3)
    # Members held by at least two of the trio count as shared.
    assert trio.shared_interest_ids == {50, trio.members[0] % 3}
    assert plan.total_weight == pytest.approx(sum(g.weight for g in plan.groups))


def test_the_pairs_maximise_the_shared_weight() -> None:
    # Greedy would pair 1 with 2 (weight 3) and leave 3 and 4 with nothing
    # in common; two pairs of 2 weigh more.
    entrants = [
        Entrant(1, frozenset({1, 2, 3})),
        Entrant(2, frozenset({1, 2, 4})),
        Entrant(3, frozenset({3, 5})),
        Entrant(4, frozenset({4, 6})),
    ]
    weights = {1: 1.5, 2: 1.5, 3: 2.0, 4: 2.0, 5: 1.0, 6: 1.0}
    plan = plan_round(entrants, weights, set())
    assert [g.members for g in plan.groups] == [(1, 3), (2, 4)]
    assert plan.total_weight == pytest.approx(4.0)
    assert plan.method == METHOD_EXACT


def test_people_who_share_nothing_are_still_paired() -> None:
    entrants = [Entrant(user_id, frozenset({user_id})) for user_id in range(1, 5)]
    plan = plan_round(entrants, FLAT, set())
    assert len(plan.groups) == 2 and plan.unpaired == ()
    assert all(g.weight == 0.0 and not g.shared_interest_ids for g in plan.groups)


def test_someone_everyone_is_excluded_from_is_told_why() -> None:
    entrants = [Entrant(user_id, frozenset({1})) for user_id in range(1, 6)]
    excluded = {frozenset({5, other}) for other in range(1, 5)}
    plan = plan_round(entrants, FLAT, excluded)
    assert [(u.user_id, u.reason) for u in plan.unpaired] == [(5, NO_ONE_AVAILABLE)]
    assert sorted(len(g.members) for g in plan.groups) == [2, 2]
    alone = plan_round([Entrant(9, frozenset({1}))], FLAT, set())
    assert [(u.user_id, u.reason) for u in alone.unpaired] == [(9, NOBODY_ELSE_DUE)]
    assert plan_round([], FLAT, set()).groups == ()


def test_lower_order_is_served_first() -> None:
    # 2 and 3 can each meet only 1. 3 shares more with 1, but 2 was left
    # out last round (order -1), so 2 goes first; 3 is the one told why.
    entrants = [
        Entrant(1, frozenset({1, 2, 3})),
        Entrant(2, frozenset({1}), order=-1),
        Entrant(3, frozenset({1, 2, 3})),
    ]
    plan = plan_round(entrants, FLAT, {frozenset({2, 3})})
    assert [g.members for g in plan.groups] == [(1, 2)]
    assert [u.user_id for u in plan.unpaired] == [3]
    # The same with the orders swapped: 3 goes first.
    swapped = [Entrant(e.user_id, e.interest_ids, {2: 0, 3: -1}.get(e.user_id, 0)) for e in entrants]
    assert [g.members for g in plan_round(swapped, FLAT, {frozenset({2, 3})}).groups] == [(1, 3)]


def test_the_trio_takes_in_someone_served_late() -> None:
    # Everyone shares the same; 4's partners said twice they never came, so
    # the pair that becomes a trio is 4's (the other two still meet).
    entrants = [Entrant(user_id, frozenset({1})) for user_id in range(1, 6)]
    entrants[3] = Entrant(4, frozenset({1}), order=2)
    plan = plan_round(entrants, FLAT, set())
    trio = next(g for g in plan.groups if len(g.members) == 3)
    assert 4 in trio.members


def test_the_trio_never_holds_an_excluded_pair() -> None:
    # 5 shares most with 1 and 2, but may meet neither: the trio forms around 3 and 4.
    entrants = [
        Entrant(1, frozenset({1, 2})),
        Entrant(2, frozenset({1, 2})),
        Entrant(3, frozenset({3})),
        Entrant(4, frozenset({3})),
        Entrant(5, frozenset({1, 2})),
    ]
    plan = plan_round(entrants, FLAT, {frozenset({1, 5}), frozenset({2, 5})})
    assert [g.members for g in plan.groups] == [(1, 2), (3, 4, 5)]
    assert plan_round(entrants, FLAT, set()).groups[0].members == (1, 2, 5)


def test_the_same_input_gives_the_same_plan() -> None:
    entrants, weights = population(60, seed=3)
    shuffled = random.Random(1).sample(entrants, len(entrants))
    excluded = {frozenset({1, 2}), frozenset({3, 4})}
    for exact_up_to in (0, 1000):
        first = plan_round(entrants, weights, excluded, exact_up_to=exact_up_to)
        assert plan_round(shuffled, weights, excluded, exact_up_to=exact_up_to) == first


@st.composite
def rounds(draw: st.DrawFn) -> tuple[list[Entrant], set[frozenset[int]], int]:
    size = draw(st.integers(0, 24))
    interests = st.frozensets(st.integers(1, 12), max_size=5)
    entrants = [Entrant(user_id, draw(interests), draw(st.integers(-1, 2))) for user_id in range(1, size + 1)]
    all_pairs = [frozenset(pair) for pair in itertools.combinations(range(1, size + 1), 2)]
    excluded = set(draw(st.lists(st.sampled_from(all_pairs), max_size=60))) if all_pairs else set()
    exact_up_to = draw(st.sampled_from([0, 1000]))
    return entrants, excluded, exact_up_to


@settings(max_examples=150, deadline=None)
@given(rounds())
def test_excluded_pairs_never_meet_and_everyone_is_placed_once(
    case: tuple[list[Entrant], set[frozenset[int]], int],
) -> None:
    entrants, excluded, exact_up_to = case
    weights = {interest: 1.0 + interest / 10 for interest in range(1, 13)}
    plan = plan_round(entrants, weights, excluded, exact_up_to=exact_up_to)
    assert everyone(plan) == [e.user_id for e in entrants]
    assert sum(len(g.members) == 3 for g in plan.groups) <= 1
    assert all(len(g.members) in (2, 3) and list(g.members) == sorted(g.members) for g in plan.groups)
    for group in plan.groups:
        assert not pairs_of(group) & excluded, (group, excluded)
    # Someone is left out only if nobody else left out could be their partner.
    left = [u.user_id for u in plan.unpaired]
    for a, b in itertools.combinations(left, 2):
        assert frozenset({a, b}) in excluded
    for unpaired in plan.unpaired:
        if unpaired.reason == NO_ONE_AVAILABLE:
            others = [e.user_id for e in entrants if e.user_id != unpaired.user_id]
            assert all(frozenset({unpaired.user_id, other}) in excluded for other in others)


def test_no_pair_repeats_within_six_rounds_over_ten_rounds_of_twenty() -> None:
    entrants, weights = population(20, seed=7)
    window: list[set[frozenset[int]]] = []
    for _ in range(10):
        # What the caller excludes: every pair introduced in the last 6 rounds.
        excluded = set().union(*window)
        plan = plan_round(entrants, weights, excluded)
        assert plan.unpaired == ()
        met = set().union(*(pairs_of(g) for g in plan.groups))
        assert not met & excluded
        window = [*window[-5:], met]


def test_the_heuristic_is_within_three_percent_of_exact() -> None:
    entrants, weights = population(300, seed=11)
    exact = plan_round(entrants, weights, set(), exact_up_to=10_000)
    fast = plan_round(entrants, weights, set(), exact_up_to=0)
    assert (exact.method, fast.method) == (METHOD_EXACT, METHOD_HEURISTIC)
    assert fast.unpaired == exact.unpaired == ()
    assert fast.total_weight >= 0.97 * exact.total_weight
    assert math.isclose(fast.total_weight, sum(g.weight for g in fast.groups))
