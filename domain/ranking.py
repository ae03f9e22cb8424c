"""How much a shared interest says about two people.

Sharing a rare interest ("bouldering in Leeds") says more than sharing a
common one ("music"), so each interest weighs its smoothed inverse document
frequency: ln(1 + N / n), where N counts active people and n those listing
it. The smoothing keeps even a universal interest worth a little.
"""

from __future__ import annotations

import math


def idf(population: int, holders: int) -> float:
    holders = max(1, holders)
    population = max(population, holders)
    return math.log1p(population / holders)


# Fixed point for weights (2**-40 is far below any real difference in
# score), and room below it to count shared interests (at most 30).
SCALE = 1 << 40
COUNT_BITS = 6


def packed_weight(population: int, holders: int) -> int:
    """An interest's weight as rankings sum it: the IDF in fixed point,
    shifted left with a 1 in the low bits, so a total orders by score, then
    by how many interests are shared, and integer sums tie exactly."""
    return (round(idf(population, holders) * SCALE) << COUNT_BITS) + 1


def score_of(total: int) -> float:
    """The score a packed total stands for, as people see it."""
    return round((total >> COUNT_BITS) / SCALE, 4)
