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
