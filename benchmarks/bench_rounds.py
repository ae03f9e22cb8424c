"""8. Round pairing: how close to the best pairing, and how fast at 100,000.

People are the benchmark population (benchmarks.seed), drawn here in memory
with the seeder's own random draws, so person n holds the same interests as
in the suggestions benchmark's database; no database is needed, since the
pairing rule (domain.round_pairing) reads no store. Exclusions are what a
caller would pass: the population's blocks, open matches and pending requests,
and every pair introduced in the last six rounds (six earlier random rounds).

Quality: rounds of 200 and 2,000 people drawn from the population, paired by
``plan_round`` with its defaults, against the exact optimum (blossom on the
full candidate graph, i.e. ``plan_round`` forced to its exact method). At 200
people the candidate graph itself is also checked against blossom on every
pair that shares an interest. Scale: a round of 100,000 people paired in a
fresh process, timed, with its peak resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import time
from typing import Any

import networkx as nx

from benchmarks import seed
from benchmarks.harness import ROOT
from benchmarks.report import Result, Target, ratio
from domain import round_pairing
from domain.ranking import idf
from domain.round_pairing import Entrant, RoundPlan, plan_round

QUALITY, SECONDS, MEGABYTES = 0.97, 60.0, 1024.0
REPEAT_WINDOW = 6
SMALL_SAMPLES = 3


def population(people: int) -> tuple[list[Entrant], dict[int, float], set[frozenset[int]]]:
    """The first ``people`` active people of the benchmark population, the
    IDF weights over them, and the exclusions a caller would pass."""
    spec = seed.Population(int(people * 1.02) + 10)
    cumulative, rng = seed._sampler(spec)
    entrants: list[Entrant] = []
    # The same draws, in the same order, as seed.seed.
    for user_id in range(1, spec.users + 1):
        if rng.random() < spec.pending_share:
            continue
        count = rng.randint(spec.min_interests, spec.max_interests)
        entrants.append(Entrant(user_id, frozenset(seed._interests_of(rng, cumulative, count))))
    entrants = entrants[:people]
    holders: dict[int, int] = {}
    for entrant in entrants:
        for interest in entrant.interest_ids:
            holders[interest] = holders.get(interest, 0) + 1
    weights = {interest: idf(len(entrants), count) for interest, count in holders.items()}
    return entrants, weights, _exclusions([e.user_id for e in entrants], rng, spec.requests_share)


def _exclusions(ids: list[int], rng: random.Random, share: float) -> set[frozenset[int]]:
    excluded: set[frozenset[int]] = set()
    while len(excluded) < int(len(ids) * share) and len(ids) > 1:
        excluded.add(frozenset(rng.sample(ids, 2)))
    for _ in range(REPEAT_WINDOW):
        shuffled = rng.sample(ids, len(ids))
        excluded.update(frozenset(pair) for pair in zip(shuffled[::2], shuffled[1::2], strict=False))
    return excluded


def _in_round(excluded: set[frozenset[int]], ids: set[int]) -> set[frozenset[int]]:
    return {pair for pair in excluded if pair <= ids}


def _all_pairs_optimum(entrants: list[Entrant], weights: dict[int, float], excluded: set[frozenset[int]]) -> float:
    """Blossom on every pair that shares an interest: no candidate graph."""
    graph = nx.Graph()
    for a, b in itertools.combinations(entrants, 2):
        shared = a.interest_ids & b.interest_ids
        if shared and frozenset({a.user_id, b.user_id}) not in excluded:
            graph.add_edge(a.user_id, b.user_id, weight=sum(weights[i] for i in shared))
    matching = nx.max_weight_matching(graph, weight="weight")
    return float(sum(graph[a][b]["weight"] for a, b in matching))


def quality(
    entrants: list[Entrant], weights: dict[int, float], excluded: set[frozenset[int]], size: int, sample: int
) -> dict[str, Any]:
    rng = random.Random(1000 * size + sample)
    chosen = rng.sample(entrants, size)
    mine = _in_round(excluded, {e.user_id for e in chosen})
    started = time.process_time()
    used = plan_round(chosen, weights, mine)
    used_seconds = time.process_time() - started
    started = time.process_time()
    exact = plan_round(chosen, weights, mine, exact_up_to=size)
    exact_seconds = time.process_time() - started
    heuristic = plan_round(chosen, weights, mine, exact_up_to=0)
    figures: dict[str, Any] = {
        "size": size,
        "method": used.method,
        "ratio": used.total_weight / exact.total_weight,
        "heuristic_ratio": heuristic.total_weight / exact.total_weight,
        "seconds": used_seconds,
        "exact_seconds": exact_seconds,
        "unpaired": len(used.unpaired),
        "excluded_pairs": len(mine),
    }
    if size <= 300:
        matched_only = sum(g.weight for g in exact.groups if len(g.members) == 2)
        figures["graph_share_of_all_pairs"] = matched_only / _all_pairs_optimum(chosen, weights, mine)
    return figures


def scale(people: int) -> dict[str, Any]:
    """Pair ``people`` in this process; what it took (run in a fresh process)."""
    entrants, weights, excluded = population(people)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu = time.perf_counter(), time.process_time()
    plan = plan_round(entrants, weights, excluded)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _check(plan, excluded, len(entrants))
    return {
        "people": len(entrants),
        "excluded_pairs": len(excluded),
        "method": plan.method,
        "seconds": wall,
        "cpu_seconds": cpu,
        "peak_rss_mb": peak,
        "input_rss_mb": before,
        "groups": len(plan.groups),
        "unpaired": len(plan.unpaired),
        "mean_weight": plan.total_weight / max(1, len(plan.groups)),
    }


def _check(plan: RoundPlan, excluded: set[frozenset[int]], people: int) -> None:
    placed = [m for g in plan.groups for m in g.members] + [u.user_id for u in plan.unpaired]
    if len(placed) != people or len(set(placed)) != people:
        raise RuntimeError("the plan does not place everyone exactly once")
    for group in plan.groups:
        if any(frozenset(pair) in excluded for pair in itertools.combinations(group.members, 2)):
            raise RuntimeError(f"an excluded pair was paired: {group.members}")


def _scale_in_child(people: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_rounds", "--scale", str(people)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def measure(people: int, small: int, large: int) -> dict[str, Any]:
    entrants, weights, excluded = population(max(people, large))
    small_runs = [quality(entrants, weights, excluded, small, n) for n in range(SMALL_SAMPLES)]
    large_run = quality(entrants, weights, excluded, large, 0)
    return {"small": small_runs, "large": large_run, "scale": _scale_in_child(people)}


async def run(people: int, small: int, large: int) -> Result:
    figures = await asyncio.to_thread(measure, people, small, large)
    small_runs, large_run, big = figures["small"], figures["large"], figures["scale"]
    worst_small = min(small_runs, key=lambda f: f["ratio"])
    table = [
        ["round", "method used", "its weight / exact", "greedy+paths / exact", "time (CPU)", "exact's time (CPU)"],
        *[
            [
                f"{f['size']:,} people, sample {n + 1}",
                f["method"],
                f"{f['ratio']:.4f}",
                f"{f['heuristic_ratio']:.4f}",
                f"{f['seconds']:.2f} s",
                f"{f['exact_seconds']:.2f} s",
            ]
            for n, f in enumerate(small_runs)
        ],
        [
            f"{large:,} people",
            large_run["method"],
            f"{large_run['ratio']:.4f}",
            f"{large_run['heuristic_ratio']:.4f}",
            f"{large_run['seconds']:.2f} s",
            f"{large_run['exact_seconds']:.2f} s",
        ],
        [
            f"{big['people']:,} people",
            big["method"],
            "",
            "",
            f"{big['seconds']:.1f} s wall, {big['cpu_seconds']:.1f} s CPU",
            "",
        ],
    ]
    graph_share = min(f.get("graph_share_of_all_pairs", 1.0) for f in small_runs)
    return Result(
        number=8,
        title="Round pairing: quality against exact blossom, and a round of 100,000",
        sizes=f"rounds of {small:,} ({SMALL_SAMPLES} samples), {large:,} and {big['people']:,} people",
        table=table,
        targets=[
            Target(
                f"round of {small:,}: weight / exact optimum ({worst_small['method']})",
                f">= {QUALITY}",
                ratio(worst_small["ratio"]),
                worst_small["ratio"] >= QUALITY,
            ),
            Target(
                f"round of {large:,}: weight / exact optimum ({large_run['method']})",
                f">= {QUALITY}",
                f"{large_run['ratio']:.3f}",
                large_run["ratio"] >= QUALITY,
            ),
            Target(
                f"round of {big['people']:,} paired (wall time)",
                f"<= {SECONDS:.0f} s",
                f"{big['seconds']:.1f} s",
                big["seconds"] <= SECONDS,
            ),
            Target(
                f"round of {big['people']:,}: peak memory of the process",
                f"<= {MEGABYTES:.0f} MB",
                f"{big['peak_rss_mb']:.0f} MB",
                big["peak_rss_mb"] <= MEGABYTES,
            ),
        ],
        notes=[
            f"Method by size: exact blossom matching (networkx max_weight_matching) on the candidate graph up to "
            f"{round_pairing.EXACT_UP_TO} people; above, greedy by weight then improving alternating paths of up "
            f"to {round_pairing.SEARCH_DEPTH} new pairs on the same graph ({round_pairing.METHOD_HEURISTIC}). "
            "The candidate graph holds each person's 10 best partners, reached through the posting lists of "
            f"their rarest interests first ({round_pairing.SCAN_PER_PERSON:,} postings read per person). At "
            "2,000 people every rare interest's holders fit in that scan; at 100,000 they do not, so there the "
            "scan width, not the matching, bounds the weight (with 400 postings the round weighed a fifth less).",
            "Exact optimum: plan_round forced to blossom on the same candidate graph, then completed the same way "
            "(anyone the matching leaves out paired with someone they may meet, one trio). The last column but "
            "one is the heuristic at that size too, whichever method the size uses.",
            f"The candidate graph against every pair: at {small:,} people, blossom on the candidate graph reaches "
            f"{graph_share:.4f} of blossom on all pairs that share an interest (pairs only, worst sample).",
            f"Exclusions passed, as a caller would: blocks, open matches and pending requests (2% of people) and "
            f"every pair of {REPEAT_WINDOW} earlier random rounds; {big['excluded_pairs']:,} pairs at "
            f"{big['people']:,} people.",
            f"At {big['people']:,} people, in a fresh process: {big['groups']:,} groups, {big['unpaired']} "
            f"unpaired, mean weight per group {big['mean_weight']:.2f}; peak resident memory "
            f"{big['peak_rss_mb']:.0f} MB, of which {big['input_rss_mb']:.0f} MB is the interpreter with the "
            "people and exclusions before pairing starts. Times are CPU time of the pairing alone, but the "
            "wall time of the 100,000 round, which is what the target is on; the load average below shows how "
            "busy the machine was.",
        ],
        figures=figures,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="child process of benchmark 8: pair a round of N people")
    parser.add_argument("--scale", type=int, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(scale(args.scale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
